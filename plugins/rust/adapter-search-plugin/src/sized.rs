//! Sized structs (PLUGIN_ABI.md rule 4): `ASP_HAS_FIELD` done right.
//!
//! Every struct of the ABI that may grow starts with `uint32_t struct_size`,
//! set by whoever fills it to `sizeof` as *it* compiled it. So:
//!
//! * a **reader** of a struct the other side filled (the host table, an
//!   extension table, a config, a select request) uses a field only when the
//!   declared `struct_size` covers the whole field, and otherwise takes the
//!   documented default. It must not even form a Rust reference to the whole
//!   struct, which may be shorter than this crate's declaration: read through
//!   [`read_field!`](crate::read_field), which checks the size and then copies
//!   the one field out through a raw pointer;
//! * a **writer** of a struct it hands over (a pass request, a budget, an
//!   output view it lends the host) sets `struct_size` to `size_of` of the
//!   struct: [`SizedStruct::sized`] builds one zeroed with its size set.

use std::mem::size_of;

/// The offset of `field` in `type`, in bytes (like C's `offsetof`).
#[macro_export]
#[doc(hidden)]
macro_rules! __asp_field_offset {
    ($type:ty, $field:ident) => {{
        let uninit = ::std::mem::MaybeUninit::<$type>::uninit();
        let base = uninit.as_ptr();
        // SAFETY: addr_of! on a field of a local (uninitialised) value reads
        // nothing and creates no reference.
        #[allow(unused_unsafe)]
        let field = unsafe { ::std::ptr::addr_of!((*base).$field) };
        (field as usize) - (base as usize)
    }};
}

/// The end of `field` in `type`: its offset plus its size, the smallest
/// `struct_size` that covers it (the right-hand side of `ASP_HAS_FIELD`).
#[macro_export]
#[doc(hidden)]
macro_rules! __asp_field_end {
    ($type:ty, $field:ident) => {{
        let uninit = ::std::mem::MaybeUninit::<$type>::uninit();
        let base = uninit.as_ptr();
        // SAFETY: as in __asp_field_offset.
        #[allow(unused_unsafe)]
        let field = unsafe { ::std::ptr::addr_of!((*base).$field) };
        (field as usize) - (base as usize) + $crate::sized::pointee_size(field)
    }};
}

pub(crate) use crate::__asp_field_end as field_end;

/// `ASP_HAS_FIELD(ptr, type, field)`: true when the sized struct at `ptr`
/// (a `*const type`, not NULL) declares a `struct_size` that covers the
/// whole `field`.
///
/// # Safety
///
/// Expands to an unsafe read of the `u32` at `ptr`: call it inside `unsafe`
/// with a pointer to at least four readable, aligned bytes.
#[macro_export]
macro_rules! has_field {
    ($ptr:expr, $type:ty, $field:ident) => {{
        let ptr: *const $type = $ptr;
        $crate::sized::declared_size(ptr as *const u32) >= $crate::__asp_field_end!($type, $field)
    }};
}

/// Reads `field` of the sized struct at `ptr` (a `*const type`, not NULL):
/// `Some(value)` when the declared `struct_size` covers the whole field,
/// `None` otherwise. Only the four size bytes and the field's own bytes are
/// read, never a byte past the declared size.
///
/// # Safety
///
/// Expands to unsafe reads: call it inside `unsafe` with a pointer to a
/// struct of this type whose first `struct_size` bytes are readable.
#[macro_export]
macro_rules! read_field {
    ($ptr:expr, $type:ty, $field:ident) => {{
        let ptr: *const $type = $ptr;
        let uninit = ::std::mem::MaybeUninit::<$type>::uninit();
        let base = uninit.as_ptr();
        // SAFETY: addr_of! on a field of a local value reads nothing.
        #[allow(unused_unsafe)]
        let witness = unsafe { ::std::ptr::addr_of!((*base).$field) };
        let offset = (witness as usize) - (base as usize);
        $crate::sized::read_at(ptr as *const u8, offset, witness)
    }};
}

/// The size of the value `_pointer` points to (used by the macros to get a
/// field's size from a pointer to it).
#[doc(hidden)]
pub fn pointee_size<T>(_pointer: *const T) -> usize {
    size_of::<T>()
}

/// The `struct_size` declared at `ptr`, as `usize`.
///
/// # Safety
///
/// `ptr` points to four readable bytes aligned for `u32` (every sized
/// struct starts with its `uint32_t struct_size`).
#[doc(hidden)]
pub unsafe fn declared_size(ptr: *const u32) -> usize {
    // SAFETY: the caller's contract.
    unsafe { ptr.read() as usize }
}

/// The value of type `T` at `offset` bytes into the sized struct at `base`,
/// if the struct's declared size covers all of it. `_witness` only carries
/// the field's type.
///
/// # Safety
///
/// `base` points to a sized struct whose first `struct_size` bytes are
/// readable, and a `T` at `offset` is aligned as in the struct's declaration.
#[doc(hidden)]
pub unsafe fn read_at<T: Copy>(base: *const u8, offset: usize, _witness: *const T) -> Option<T> {
    // SAFETY: the caller's contract; the field lies inside the declared size.
    unsafe {
        if declared_size(base as *const u32) < offset + size_of::<T>() {
            return None;
        }
        Some((base.add(offset) as *const T).read())
    }
}

/// A sized struct of the ABI: one that starts with `uint32_t struct_size`.
///
/// # Safety
///
/// Implement it only for `#[repr(C)]` structs whose first field is the
/// `u32` struct_size and for which all-zero bytes are a valid value (no
/// references, no non-nullable function pointers).
pub unsafe trait SizedStruct: Sized + Copy {
    /// A value with every byte zero and `struct_size` set to `size_of::<Self>()`:
    /// what a writer hands over, or lends the other side to fill.
    fn sized() -> Self {
        // SAFETY: the trait's contract: all-zero bytes are a valid Self.
        let mut value: Self = unsafe { std::mem::zeroed() };
        // SAFETY: the contract again: the first field is the u32 size.
        unsafe { (&mut value as *mut Self as *mut u32).write(size_of::<Self>() as u32) };
        value
    }
}

macro_rules! sized_structs {
    ($($type:ident),* $(,)?) => {
        $(
            // SAFETY: repr(C), struct_size first; integers, floats, raw
            // pointers and Option<fn> are all valid as zero bytes.
            unsafe impl SizedStruct for crate::raw::$type {}
        )*
    };
}

sized_structs!(
    asp_placement,
    asp_param_descriptor,
    asp_config,
    asp_select_request,
    asp_plugin_descriptor,
    asp_library,
    asp_host,
    asp_matrix_view,
    asp_probe_info,
    asp_pass_request,
    asp_probe_api,
    asp_budget,
    asp_evaluation,
    asp_search_api,
    asp_checkpointing_api,
    asp_gated_budget,
    asp_gated_result,
    asp_gated_api,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::*;

    #[test]
    fn field_end_is_offset_plus_size() {
        assert_eq!(__asp_field_offset!(asp_select_request, k), 4);
        assert_eq!(field_end!(asp_select_request, k), 8);
        assert_eq!(field_end!(asp_evaluation, diverged), 8 * 5 + 4);
        assert_eq!(asp_plugin_descriptor_min_size(), __asp_field_offset!(asp_plugin_descriptor, param_count));
    }

    #[test]
    fn a_short_struct_hides_the_fields_it_does_not_cover() {
        // A request from an older host that stops before `k`: only its four
        // size bytes exist, in a buffer of exactly that length.
        let short: [u32; 1] = [4];
        let request = short.as_ptr() as *const asp_select_request;
        unsafe {
            assert!(!has_field!(request, asp_select_request, k));
            assert_eq!(read_field!(request, asp_select_request, k), None);
        }
        let full = asp_select_request { k: 7, ..asp_select_request::sized() };
        unsafe {
            assert!(has_field!(&full, asp_select_request, k));
            assert_eq!(read_field!(&full, asp_select_request, k), Some(7));
        }
    }

    #[test]
    fn a_partly_covered_field_is_not_covered() {
        // The declared size reaches into `loss` but not to its end.
        let mut info = asp_probe_info::sized();
        info.loss = 2.5;
        info.struct_size = (field_end!(asp_probe_info, loss) - 1) as u32;
        unsafe {
            assert_eq!(read_field!(&info, asp_probe_info, classes), Some(0));
            assert_eq!(read_field!(&info, asp_probe_info, loss), None);
        }
    }

    #[test]
    fn sized_sets_the_size_and_zeroes_the_rest() {
        let budget = asp_gated_budget::sized();
        assert_eq!(budget.struct_size as usize, size_of::<asp_gated_budget>());
        assert_eq!(budget.steps, 0);
        assert_eq!(budget.sparsity, 0.0);
        let host = asp_host::sized();
        assert!(host.log.is_none() && host.context.is_null());
    }
}
