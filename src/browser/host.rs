//! The one interface through which the component talks to its host: ready, set value, set
//! height, receive render. Today this is Streamlit's v1 `postMessage` protocol, spoken with
//! Streamlit itself or with the dev host page, which plays Streamlit's part.

use crate::browser::messaging::{listen, Listener, Peer, Refusal};
use crate::browser::page;
use crate::origin::OriginPolicy;
use crate::protocol::{Inbound, Outbound, API_VERSION};
use crate::wire::Value;
use wasm_bindgen::JsValue;
use web_sys::Window;

/// The component's link to the host page that embeds it.
#[derive(Clone, Debug)]
pub struct HostLink {
    parent: Peer,
}

impl HostLink {
    /// Connects to `parent`: installs the message listener, which hands each render (or the
    /// reason a message was refused) to `on_message`. Call [`HostLink::ready`] after this, so
    /// that the first render cannot arrive before anyone listens.
    pub fn connect(
        window: &Window,
        parent: Window,
        on_message: impl FnMut(Result<Inbound, Refusal>) + 'static,
    ) -> Result<(HostLink, Listener), JsValue> {
        let policy = OriginPolicy::for_build(&page::own_origin(window));
        let hint = page::streamlit_origin_hint(window);
        let target = policy.parent_target(hint.as_deref()).to_owned();
        let listener = listen(
            window,
            parent.clone().into(),
            policy,
            Inbound::parse,
            on_message,
        )?;
        Ok((
            HostLink {
                parent: Peer::new(parent, target),
            },
            listener,
        ))
    }

    fn send(&self, message: Outbound) -> Result<(), JsValue> {
        self.parent.send(&message.to_json())
    }

    /// `streamlit:componentReady`: asks the host for the first render.
    pub fn ready(&self) -> Result<(), JsValue> {
        self.send(Outbound::ComponentReady {
            api_version: API_VERSION,
        })
    }

    /// `streamlit:setComponentValue`: the value Python's call returns on the next rerun.
    pub fn set_value(&self, value: Value) -> Result<(), JsValue> {
        self.send(Outbound::SetComponentValue(value))
    }

    /// `streamlit:setFrameHeight`: the iframe's height in CSS pixels.
    pub fn set_height(&self, height: u32) -> Result<(), JsValue> {
        self.send(Outbound::SetFrameHeight(height))
    }
}
