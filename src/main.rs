//! The wasm binary that trunk builds: everything lives in the library.

fn main() {
    #[cfg(target_arch = "wasm32")]
    streamlit_component::app::start();
}
