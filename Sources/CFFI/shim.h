/* libffi, as Debian installs it (libffi-dev): the host calls the plain C
   functions that metric manifests declare (Sources/Host/FFIMetric.swift).

   libffi's type descriptors are global variables and its default ABI is a
   macro; these inline accessors give Swift stable pointers and one call. */
#include <ffi.h>

/** ffi_type_double. */
static inline ffi_type *cffi_type_double(void) { return &ffi_type_double; }
/** ffi_type_float. */
static inline ffi_type *cffi_type_float(void) { return &ffi_type_float; }
/** ffi_type_sint32. */
static inline ffi_type *cffi_type_sint32(void) { return &ffi_type_sint32; }
/** ffi_type_sint64. */
static inline ffi_type *cffi_type_sint64(void) { return &ffi_type_sint64; }
/** ffi_type_uint32. */
static inline ffi_type *cffi_type_uint32(void) { return &ffi_type_uint32; }
/** ffi_type_pointer. */
static inline ffi_type *cffi_type_pointer(void) { return &ffi_type_pointer; }

/** ffi_prep_cif with the platform's default calling convention. */
static inline ffi_status cffi_prep_cif(ffi_cif *cif, unsigned int argument_count, ffi_type *result,
                                       ffi_type **arguments) {
    return ffi_prep_cif(cif, FFI_DEFAULT_ABI, argument_count, result, arguments);
}
