// libjpeg-turbo's jpeglib.h expects <stdio.h> (FILE, size_t) to be included first.
#include <stdio.h>
#include <setjmp.h>
#include <string.h>
#include <jpeglib.h>
#include <jerror.h>

// libjpeg reports a fatal error by calling err->error_exit, which must not return. Swift cannot
// longjmp, so every libjpeg call that can fail runs inside one of the zoo_jpeg_* functions below:
// each sets its own setjmp point, and zoo_jpeg_error_exit copies libjpeg's message into the
// decoder and jumps back there, so the function returns 0 instead of the process exiting.

/// Progressive JPEGs with thousands of scans take minutes to decode; real files have about ten.
#define ZOO_JPEG_MAX_SCANS 1000

typedef struct {
    struct jpeg_decompress_struct cinfo; // first member: a j_common_ptr is also a zoo_jpeg_decoder *
    struct jpeg_error_mgr errors;
    struct jpeg_progress_mgr progress;
    jmp_buf escape;
    int ready;                            // jpeg_create_decompress has run
    char message[JMSG_LENGTH_MAX + 64];   // why the last call failed
} zoo_jpeg_decoder;

static void zoo_jpeg_fail(j_common_ptr cinfo) {
    zoo_jpeg_decoder *decoder = (zoo_jpeg_decoder *)cinfo;
    (*cinfo->err->format_message)(cinfo, decoder->message);
    longjmp(decoder->escape, 1);
}

// A truncated file is an error (as in PIL); libjpeg's other warnings (corrupt data it recovers
// from) are ignored quietly instead of being printed on stderr.
static void zoo_jpeg_emit_message(j_common_ptr cinfo, int level) {
    if (level == -1 && cinfo->err->msg_code == JWRN_JPEG_EOF) zoo_jpeg_fail(cinfo);
}

static void zoo_jpeg_progress(j_common_ptr cinfo) {
    zoo_jpeg_decoder *decoder = (zoo_jpeg_decoder *)cinfo;
    if (decoder->cinfo.input_scan_number > ZOO_JPEG_MAX_SCANS) {
        snprintf(decoder->message, sizeof decoder->message, "more than %d progressive scans", ZOO_JPEG_MAX_SCANS);
        longjmp(decoder->escape, 1);
    }
}

/// Starts decoding the JPEG in data[0..<size] (which must outlive the decoder) and reads its
/// header. Returns 1 on success, 0 with decoder->message set on failure. `decoder` must be zeroed.
static inline int zoo_jpeg_read_header(zoo_jpeg_decoder *decoder, const unsigned char *data, unsigned long size) {
    decoder->cinfo.err = jpeg_std_error(&decoder->errors);
    decoder->errors.error_exit = zoo_jpeg_fail;
    decoder->errors.emit_message = zoo_jpeg_emit_message;
    if (setjmp(decoder->escape)) return 0;
    jpeg_create_decompress(&decoder->cinfo);
    decoder->ready = 1;
    decoder->progress.progress_monitor = zoo_jpeg_progress;
    decoder->cinfo.progress = &decoder->progress;
    jpeg_mem_src(&decoder->cinfo, data, size);
    jpeg_read_header(&decoder->cinfo, TRUE);
    return 1;
}

/// jpeg_start_decompress: after it, output_width, output_height and output_components are known.
static inline int zoo_jpeg_start(zoo_jpeg_decoder *decoder) {
    if (setjmp(decoder->escape)) return 0;
    jpeg_start_decompress(&decoder->cinfo);
    return 1;
}

/// Reads every scanline into `pixels` (output_height rows of output_width * output_components
/// bytes each, packed) and finishes the decompression.
static inline int zoo_jpeg_read_pixels(zoo_jpeg_decoder *decoder, unsigned char *pixels) {
    if (setjmp(decoder->escape)) return 0;
    size_t stride = (size_t)decoder->cinfo.output_width * (size_t)decoder->cinfo.output_components;
    while (decoder->cinfo.output_scanline < decoder->cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)decoder->cinfo.output_scanline * stride;
        if (jpeg_read_scanlines(&decoder->cinfo, &row, 1) != 1) {
            snprintf(decoder->message, sizeof decoder->message, "no scanline %u", decoder->cinfo.output_scanline);
            return 0;
        }
    }
    jpeg_finish_decompress(&decoder->cinfo);
    return 1;
}

/// Frees libjpeg's memory (safe after any failure, and when zoo_jpeg_read_header never ran).
static inline void zoo_jpeg_destroy(zoo_jpeg_decoder *decoder) {
    if (decoder->ready) jpeg_destroy_decompress(&decoder->cinfo);
    decoder->ready = 0;
}

/// Why the last zoo_jpeg_* call failed.
static inline const char *zoo_jpeg_message(const zoo_jpeg_decoder *decoder) { return decoder->message; }

/// The libjpeg-turbo version zoo was compiled against, as MAJOR*1000000 + MINOR*1000 + PATCH (libjpeg has no run-time query).
static inline int zoo_jpeg_turbo_version(void) { return LIBJPEG_TURBO_VERSION_NUMBER; }
