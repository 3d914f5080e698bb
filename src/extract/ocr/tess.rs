//! The Tesseract library through its C API (`tesseract/capi.h`, stable
//! since 4.0): the dozen calls s54 needs, declared by hand so that no
//! header is parsed at build time. One engine per thread, initialised once
//! and reused (loading the English model costs more than a small page).

use super::raster::Gray;
use crate::extract::ExtractError;
use std::cell::RefCell;
use std::ffi::{CStr, c_char, c_int, c_void};
use std::time::{Duration, Instant};

#[repr(C)]
struct TessBaseApi {
    _opaque: [u8; 0],
}
#[repr(C)]
struct EtextDesc {
    _opaque: [u8; 0],
}

/// `PSM_AUTO`: page segmentation without orientation detection, as the
/// `tesseract` command line does by default.
const PSM_AUTO: c_int = 3;

unsafe extern "C" {
    fn TessVersion() -> *const c_char;
    fn TessBaseAPICreate() -> *mut TessBaseApi;
    fn TessBaseAPIDelete(handle: *mut TessBaseApi);
    fn TessBaseAPIInit3(
        handle: *mut TessBaseApi,
        datapath: *const c_char,
        language: *const c_char,
    ) -> c_int;
    fn TessBaseAPISetVariable(
        handle: *mut TessBaseApi,
        name: *const c_char,
        value: *const c_char,
    ) -> c_int;
    fn TessBaseAPISetPageSegMode(handle: *mut TessBaseApi, mode: c_int);
    fn TessBaseAPISetImage(
        handle: *mut TessBaseApi,
        data: *const u8,
        width: c_int,
        height: c_int,
        bytes_per_pixel: c_int,
        bytes_per_line: c_int,
    );
    fn TessBaseAPISetSourceResolution(handle: *mut TessBaseApi, ppi: c_int);
    fn TessBaseAPIRecognize(handle: *mut TessBaseApi, monitor: *mut EtextDesc) -> c_int;
    fn TessBaseAPIGetTsvText(handle: *mut TessBaseApi, page: c_int) -> *mut c_char;
    fn TessBaseAPIMeanTextConf(handle: *mut TessBaseApi) -> c_int;
    fn TessBaseAPIClear(handle: *mut TessBaseApi);
    fn TessDeleteText(text: *const c_char);
    fn TessMonitorCreate() -> *mut EtextDesc;
    fn TessMonitorDelete(monitor: *mut EtextDesc);
    fn TessMonitorSetDeadlineMSecs(monitor: *mut EtextDesc, deadline: c_int);
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}

/// Tesseract asks OpenMP for four threads in its inner loops; on a busy
/// machine every loop then waits for the slowest thread (a page measured
/// 103 s instead of 12 s). s54 runs pages on its own worker threads, so each
/// keeps OpenMP to one thread. The calls are looked up, not linked: a
/// Tesseract built without OpenMP has none.
fn one_openmp_thread() {
    for name in [c"omp_set_dynamic", c"omp_set_num_threads"] {
        // SAFETY: RTLD_DEFAULT (null) searches the loaded libraries; both
        // OpenMP functions have the C signature `void f(int)`.
        unsafe {
            let f = dlsym(std::ptr::null_mut(), name.as_ptr());
            if !f.is_null() {
                let f: extern "C" fn(c_int) = std::mem::transmute(f);
                f(1);
            }
        }
    }
}

/// The library's version, e.g. `5.3.0`.
pub fn version() -> String {
    // SAFETY: TessVersion returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(TessVersion()) }
        .to_string_lossy()
        .into_owned()
}

/// An initialised engine; freed with the thread.
struct Engine(*mut TessBaseApi);

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: created by TessBaseAPICreate, deleted once.
        unsafe { TessBaseAPIDelete(self.0) }
    }
}

impl Engine {
    fn new() -> Result<Engine, ExtractError> {
        one_openmp_thread();
        // SAFETY: a fresh handle; the C strings outlive the calls.
        unsafe {
            let handle = TessBaseAPICreate();
            if handle.is_null() {
                return Err(ExtractError::Ocr("Tesseract could not start".into()));
            }
            let engine = Engine(handle);
            if TessBaseAPIInit3(handle, std::ptr::null(), c"eng".as_ptr()) != 0 {
                return Err(ExtractError::Ocr(
                    "Tesseract has no English model (install tesseract-ocr-eng)".into(),
                ));
            }
            // Tesseract's diagnostics are not the user's business.
            TessBaseAPISetVariable(handle, c"debug_file".as_ptr(), c"/dev/null".as_ptr());
            TessBaseAPISetPageSegMode(handle, PSM_AUTO);
            Ok(engine)
        }
    }
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// Recognises one grey image: Tesseract's TSV (one row per block,
/// paragraph, line and word) and its mean word confidence. Recognition
/// stops at `deadline`; the caller then reports the page as too slow.
pub fn recognise(img: &Gray, ppi: u32, deadline: Duration) -> Result<(String, u8), ExtractError> {
    let (w, h) = (
        c_int::try_from(img.width).map_err(|_| ExtractError::Ocr("image too wide".into()))?,
        c_int::try_from(img.height).map_err(|_| ExtractError::Ocr("image too tall".into()))?,
    );
    if img.data.len() != img.width as usize * img.height as usize {
        return Err(ExtractError::Ocr("inconsistent image buffer".into()));
    }
    ENGINE.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(Engine::new()?);
        }
        let Some(engine) = slot.as_ref() else {
            return Err(ExtractError::Ocr("Tesseract could not start".into()));
        };
        let handle = engine.0;
        let ms = c_int::try_from(deadline.as_millis())
            .unwrap_or(c_int::MAX)
            .max(1);
        // SAFETY: the image buffer holds w×h bytes (checked above) and
        // lives until TessBaseAPIClear below; the monitor is deleted once;
        // the TSV string is copied before it is freed.
        unsafe {
            TessBaseAPISetImage(handle, img.data.as_ptr(), w, h, 1, w);
            TessBaseAPISetSourceResolution(handle, ppi.clamp(70, 1200) as c_int);
            let monitor = TessMonitorCreate();
            if !monitor.is_null() {
                TessMonitorSetDeadlineMSecs(monitor, ms);
            }
            let started = Instant::now();
            let rc = TessBaseAPIRecognize(handle, monitor);
            if !monitor.is_null() {
                TessMonitorDelete(monitor);
            }
            if rc != 0 {
                TessBaseAPIClear(handle);
                return Err(if started.elapsed() >= deadline {
                    ExtractError::Limit(format!(
                        "OCR of a page took longer than {} s",
                        deadline.as_secs()
                    ))
                } else {
                    ExtractError::Ocr("Tesseract could not read the page".into())
                });
            }
            let tsv = TessBaseAPIGetTsvText(handle, 0);
            let text = if tsv.is_null() {
                String::new()
            } else {
                let s = CStr::from_ptr(tsv).to_string_lossy().into_owned();
                TessDeleteText(tsv);
                s
            };
            let conf = TessBaseAPIMeanTextConf(handle).clamp(0, 100) as u8;
            TessBaseAPIClear(handle);
            Ok((text, conf))
        }
    })
}
