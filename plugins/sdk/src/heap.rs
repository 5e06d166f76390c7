//! The plugin's heap: dlmalloc, served first from an arena inside the
//! module's initial memory, then from `memory.grow` as Rust's own wasm
//! allocator does.
//!
//! Why: the host runs every call in a fresh instance whose memory starts at
//! the module's initial size. Rust's allocator grows memory at a call's
//! first allocation, and when wasmtime resets the slot for the next
//! instance it must take the grown pages' access away again (`mprotect`,
//! which makes the kernel flush the TLB of every core: ~9 µs a call on a
//! 2-core machine, half the cost of a small call). Memory inside the
//! initial size is reset without that. The arena is zero-initialised
//! memory (`.bss`), so it costs the plugin's binary nothing, and the pages a
//! call does not touch are never made resident.
//!
//! A plugin that sets its own `#[global_allocator]` turns this off with
//! `default-features = false` on the SDK.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::{Cell, UnsafeCell};
use core::ptr;

const WASM_PAGE: usize = 64 * 1024;

/// Heap a call gets before memory grows: enough for a panel's calls (a CRM
/// answer of tens of records parsed and converted); a sync page of hundreds
/// of records grows past it, where the reset's cost is small beside the
/// work. Not larger: the slot's reset scans the whole initial memory for
/// written pages (~0.2 µs a call for each further MiB).
pub const ARENA_BYTES: usize = 1024 * 1024;

#[repr(C, align(65536))]
struct Arena(UnsafeCell<[u8; ARENA_BYTES]>);

// SAFETY: plugins are single-threaded wasm (see `PluginHeap`).
unsafe impl Sync for Arena {}

static ARENA: Arena = Arena(UnsafeCell::new([0; ARENA_BYTES]));

/// Where dlmalloc gets its segments: the arena once, then grown pages.
struct Segments {
    arena_given: Cell<bool>,
}

// SAFETY: the methods mirror dlmalloc's own wasm `System`, which never
// releases memory; the arena is handed out once, whole, zeroed.
unsafe impl dlmalloc::Allocator for Segments {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        if !self.arena_given.get() && size <= ARENA_BYTES {
            self.arena_given.set(true);
            return (ARENA.0.get().cast(), ARENA_BYTES, 0);
        }
        let pages = size.div_ceil(WASM_PAGE);
        let previous = core::arch::wasm32::memory_grow(0, pages);
        if previous == usize::MAX {
            return (ptr::null_mut(), 0, 0);
        }
        ((previous * WASM_PAGE) as *mut u8, pages * WASM_PAGE, 0)
    }
    fn remap(&self, _ptr: *mut u8, _old: usize, _new: usize, _can_move: bool) -> *mut u8 {
        ptr::null_mut()
    }
    fn free_part(&self, _ptr: *mut u8, _old: usize, _new: usize) -> bool {
        false
    }
    fn free(&self, _ptr: *mut u8, _size: usize) -> bool {
        false
    }
    fn can_release_part(&self, _flags: u32) -> bool {
        false
    }
    fn allocates_zeros(&self) -> bool {
        true
    }
    fn page_size(&self) -> usize {
        WASM_PAGE
    }
}

/// The global allocator the SDK installs.
pub struct PluginHeap(UnsafeCell<dlmalloc::Dlmalloc<Segments>>);

// SAFETY: wasm32 plugins run one thread (the contract has no threads; the
// build has no `atomics`), so the allocator is never entered twice at once.
unsafe impl Sync for PluginHeap {}

unsafe impl GlobalAlloc for PluginHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { (*self.0.get()).malloc(layout.size(), layout.align()) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe { (*self.0.get()).calloc(layout.size(), layout.align()) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { (*self.0.get()).free(ptr, layout.size(), layout.align()) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe { (*self.0.get()).realloc(ptr, layout.size(), layout.align(), new_size) }
    }
}

#[global_allocator]
static HEAP: PluginHeap = PluginHeap(UnsafeCell::new(dlmalloc::Dlmalloc::new_with_allocator(Segments { arena_given: Cell::new(false) })));
