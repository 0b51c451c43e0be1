//! Code loaded on first use. In the release build (cargo feature `split`, `make build`) each
//! function declared with `on_demand!` is a wasm-split point: wasm-split (run by
//! `.ci/split.py` after cargo) moves the code that only such functions reach
//! into a chunk of their name, fetched on the first call. A chunk that cannot be fetched is a
//! `Failure` (`code_unavailable`), and the next call tries again. Without the feature (dev
//! builds, tests) they are plain async functions.
//!
//! The functions live in `login::on_demand` (the login's request and answer, the refresh) and
//! `popup_page` (the provider's callback).

/// `$vis fn $name(args) -> $out { async body }`, loaded on first use from chunk `$chunk`: the
/// arguments are owned (they cross into the chunk), `$out` is a `Result` whose error comes
/// `From<SplitLoaderError>`. With `preload = $preload`, `async fn $preload()` fetches the chunk
/// without calling anything (its result is for information only: a failed fetch is tried again
/// by the next call); without the feature it does nothing.
macro_rules! on_demand {
    ($chunk:ident $(, preload = $preload:ident)?: $(#[$attr:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*) -> $out:ty $body:block) => {
        #[cfg(feature = "split")]
        #[::leptos::wasm_split::wasm_split(
            $chunk,
            wasm_split_path = ::leptos::wasm_split,
            fallible,
            $(preload($preload),)?
            return_wrapper(let future = _; { future.await } -> $out)
        )]
        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) -> ::std::pin::Pin<Box<dyn ::std::future::Future<Output = $out>>> {
            Box::pin(async move $body)
        }

        #[cfg(not(feature = "split"))]
        $(#[$attr])*
        $vis async fn $name($($arg: $ty),*) -> $out $body

        $(
            #[cfg(not(feature = "split"))]
            $vis async fn $preload() {}
        )?
    };
}

#[cfg(feature = "split")]
impl From<leptos::wasm_split::SplitLoaderError> for crate::events::Failure {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        Self::new(
            "code_unavailable",
            "part of the login component's code could not be loaded from the app's server: \
             check the connection and try again",
        )
    }
}
