#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <png.h>

// libpng reports a fatal error by calling the error function, which must not return. Swift cannot
// longjmp, so every libpng call that can fail runs inside one of the zoo_png_* functions below:
// each sets its own setjmp point (png_jmpbuf), and zoo_png_fail copies libpng's message into the
// decoder and jumps back there, so the function returns 0 instead of the process aborting.

typedef struct {
    png_structp png;
    png_infop info;
    const unsigned char *data; // the whole file, read through zoo_png_read
    size_t size;
    size_t offset;
    char warning[128];         // libpng's latest warning, often the detail of the error after it
    char message[384];         // why the last call failed
} zoo_png_decoder;

static void zoo_png_fail(png_structp png, png_const_charp message) {
    zoo_png_decoder *decoder = (zoo_png_decoder *)png_get_error_ptr(png);
    if (decoder->warning[0])
        snprintf(decoder->message, sizeof decoder->message, "%s (libpng warned: %s)", message, decoder->warning);
    else
        snprintf(decoder->message, sizeof decoder->message, "%s", message);
    png_longjmp(png, 1);
}

// Warnings (a damaged ancillary chunk, say) are kept for the error message instead of being
// printed on stderr; libpng goes on after them.
static void zoo_png_warn(png_structp png, png_const_charp message) {
    zoo_png_decoder *decoder = (zoo_png_decoder *)png_get_error_ptr(png);
    snprintf(decoder->warning, sizeof decoder->warning, "%s", message);
}

static void zoo_png_read(png_structp png, png_bytep out, size_t count) {
    zoo_png_decoder *decoder = (zoo_png_decoder *)png_get_io_ptr(png);
    if (count > decoder->size - decoder->offset) png_error(png, "file ends early (truncated)");
    memcpy(out, decoder->data + decoder->offset, count);
    decoder->offset += count;
}

/// Starts decoding the PNG in data[0..<size] (which must outlive the decoder) and reads every
/// chunk up to the image data. Returns 1 on success, 0 with decoder->message set on failure.
/// `decoder` must be zeroed.
static inline int zoo_png_read_header(zoo_png_decoder *decoder, const unsigned char *data, size_t size) {
    decoder->data = data;
    decoder->size = size;
    decoder->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, decoder, zoo_png_fail, zoo_png_warn);
    if (decoder->png == NULL) {
        snprintf(decoder->message, sizeof decoder->message, "libpng could not start");
        return 0;
    }
    if (setjmp(png_jmpbuf(decoder->png))) return 0;
    decoder->info = png_create_info_struct(decoder->png);
    if (decoder->info == NULL) png_error(decoder->png, "libpng could not start");
    png_set_read_fn(decoder->png, decoder, zoo_png_read);
    png_read_info(decoder->png, decoder->info);
    return 1;
}

/// Sets libpng's transformations to 8-bit RGB the way PIL's convert("RGB") sees the file:
/// palette looked up, grey replicated (1, 2 and 4 bits scaled to 0...255), 16-bit samples cut to
/// their high byte, alpha and tRNS transparency dropped, Adam7 interlacing undone. Then reads the
/// image into `pixels` (height rows of width * 3 bytes, packed).
static inline int zoo_png_read_rgb(zoo_png_decoder *decoder, unsigned char *pixels) {
    png_structp png = decoder->png;
    png_infop info = decoder->info;
    if (setjmp(png_jmpbuf(png))) return 0;
    png_byte color = png_get_color_type(png, info);
    if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_bit_depth(png, info) == 16) png_set_strip_16(png);
    if ((color & PNG_COLOR_MASK_COLOR) == 0) png_set_gray_to_rgb(png);
    if ((color & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS)) png_set_strip_alpha(png);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
    size_t stride = (size_t)width * 3;
    if (png_get_bit_depth(png, info) != 8 || png_get_channels(png, info) != 3 || png_get_rowbytes(png, info) != stride)
        png_error(png, "libpng did not produce 8-bit RGB rows");
    // Interlaced: each pass adds its pixels to the rows the earlier passes filled.
    for (int pass = 0; pass < passes; pass++)
        for (png_uint_32 y = 0; y < height; y++) png_read_row(png, pixels + (size_t)y * stride, NULL);
    return 1;
}

/// Frees libpng's memory (safe after any failure).
static inline void zoo_png_destroy(zoo_png_decoder *decoder) {
    if (decoder->png) png_destroy_read_struct(&decoder->png, decoder->info ? &decoder->info : NULL, NULL);
    decoder->png = NULL;
    decoder->info = NULL;
}

/// Why the last zoo_png_* call failed.
static inline const char *zoo_png_message(const zoo_png_decoder *decoder) { return decoder->message; }
