// libhdf5 for Swift: the library's constants are macros that call H5open() or cast, which Swift
// cannot import, so each becomes a function here; so do the few calls whose signature differs
// between libhdf5 1.10 and 1.12+ (link info), and the error-stack walk, which needs a callback.
#include <hdf5.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static inline hid_t zoo_h5p_default(void) { return H5P_DEFAULT; }
static inline hid_t zoo_h5s_all(void) { return H5S_ALL; }
static inline hid_t zoo_h5e_default(void) { return H5E_DEFAULT; }
static inline unsigned zoo_h5f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned zoo_h5f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned zoo_h5f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline size_t zoo_h5t_variable(void) { return H5T_VARIABLE; }
static inline haddr_t zoo_haddr_undef(void) { return HADDR_UNDEF; }
static inline hid_t zoo_h5p_file_access(void) { return H5P_FILE_ACCESS; }
static inline hid_t zoo_h5p_link_access(void) { return H5P_LINK_ACCESS; }
static inline hid_t zoo_h5p_link_create(void) { return H5P_LINK_CREATE; }
static inline hid_t zoo_h5p_group_access(void) { return H5P_GROUP_ACCESS; }
static inline hid_t zoo_h5p_dataset_access(void) { return H5P_DATASET_ACCESS; }
static inline hid_t zoo_h5p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t zoo_h5t_c_s1(void) { return H5T_C_S1; }
static inline hid_t zoo_h5t_native_int8(void) { return H5T_NATIVE_INT8; }

/// Little-endian file types for zoo's dtypes (f16 built as h5py builds it).
static inline hid_t zoo_h5t_std_le(int is_signed, size_t size) {
    switch (size) {
    case 1: return is_signed ? H5T_STD_I8LE : H5T_STD_U8LE;
    case 2: return is_signed ? H5T_STD_I16LE : H5T_STD_U16LE;
    case 4: return is_signed ? H5T_STD_I32LE : H5T_STD_U32LE;
    default: return is_signed ? H5T_STD_I64LE : H5T_STD_U64LE;
    }
}
static inline hid_t zoo_h5t_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t zoo_h5t_ieee_f64le(void) { return H5T_IEEE_F64LE; }

static herr_t zoo_h5l_refuse_external(const char *parent_file, const char *parent_group, const char *child_file,
                                      const char *child_object, unsigned *flags, hid_t fapl, void *data) {
    (void)parent_file; (void)parent_group; (void)child_file; (void)child_object; (void)flags; (void)fapl; (void)data;
    return -1;
}

/// Makes every external link traversed through the link access list `lapl` fail before its file
/// is opened (a file must never make libhdf5 open another).
static inline herr_t zoo_h5p_refuse_external_links(hid_t lapl) { return H5Pset_elink_cb(lapl, zoo_h5l_refuse_external, NULL); }

/// Whether `name` in `loc` is a hard link (soft and external links are never followed).
static inline int zoo_h5l_is_hard(hid_t loc, const char *name, hid_t lapl) {
    H5L_info_t info;
    if (H5Lget_info(loc, name, &info, lapl) < 0) return -1;
    return info.type == H5L_TYPE_HARD;
}

/// A stable identity for the object `name` in `loc` (its address; a token in libhdf5 1.12+), so
/// a scan can tell when links lead back to a group it has already visited.
static inline int zoo_h5o_identity(hid_t loc, const char *name, hid_t lapl, uint64_t out[2]) {
    out[0] = out[1] = 0;
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t info;
    if (H5Oget_info_by_name3(loc, name, &info, H5O_INFO_BASIC, lapl) < 0) return -1;
    memcpy(out, &info.token, sizeof(info.token) < 16 ? sizeof(info.token) : 16);
#else
    H5O_info_t info;
    if (H5Oget_info_by_name2(loc, name, &info, H5O_INFO_BASIC, lapl) < 0) return -1;
    out[0] = (uint64_t)info.addr;
#endif
    return 0;
}

/// For zoo-hdf5-probe: be killed when the parent dies, so a probe that libhdf5 hangs never
/// outlives the zoo that started it (prctl is variadic, which Swift cannot call). `parent` is the
/// pid zoo passed: if zoo died before the prctl took effect, the probe has been re-parented
/// already and exits at once.
static inline void zoo_die_with_parent(pid_t parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (parent > 0 && getppid() != parent) _exit(70);
}

struct zoo_h5_message { char *buffer; size_t capacity; size_t used; };

static herr_t zoo_h5e_collect(unsigned n, const H5E_error2_t *error, void *data) {
    (void)n;
    struct zoo_h5_message *message = (struct zoo_h5_message *)data;
    if (message->used + 1 >= message->capacity || error->desc == NULL) return 0;
    int written = snprintf(message->buffer + message->used, message->capacity - message->used, "%s%s: %s",
                           message->used ? "; " : "", error->func_name ? error->func_name : "?", error->desc);
    if (written > 0) message->used += (size_t)written < message->capacity - message->used ? (size_t)written : message->capacity - message->used - 1;
    return 0;
}

/// The current error stack as "function: description; …" (outermost first), then clears it.
static inline void zoo_h5_take_errors(char *buffer, size_t capacity) {
    struct zoo_h5_message message = { buffer, capacity, 0 };
    if (capacity) buffer[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, zoo_h5e_collect, &message);
    H5Eclear2(H5E_DEFAULT);
}
