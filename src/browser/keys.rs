//! The login's key (`crate::binding`): a non-extractable ECDSA P-256 key pair made by
//! `crypto.subtle`, kept in IndexedDB (a `CryptoKey` survives structured cloning; it never goes
//! to localStorage), its public JWK, its thumbprint and its signatures.

use crate::binding::{nonce_from_digest, proof_json, signed_message, Binding, PublicKey};
use crate::browser::crypto;
use crate::wire::Value;
use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode, Window};

/// The database and object store that hold the keys, by key id.
const DATABASE: &str = "streamlit_component";
const STORE: &str = "keys";

/// A key pair: the `CryptoKeyPair` object as the browser gave it (and as IndexedDB stores it).
#[derive(Clone, Debug)]
pub struct KeyPair(JsValue);

fn object(pairs: &[(&str, &str)]) -> Result<Object, JsValue> {
    let object = Object::new();
    for (name, value) in pairs {
        Reflect::set(&object, &(*name).into(), &(*value).into())?;
    }
    Ok(object)
}

impl KeyPair {
    /// A fresh key pair whose private key cannot be exported.
    pub async fn generate(window: &Window) -> Result<KeyPair, JsValue> {
        let algorithm = object(&[("name", "ECDSA"), ("namedCurve", "P-256")])?;
        let usages = Array::of2(&"sign".into(), &"verify".into());
        let promise = window
            .crypto()?
            .subtle()
            .generate_key_with_object(&algorithm, false, &usages)?;
        Ok(KeyPair(JsFuture::from(promise).await?))
    }

    fn part(&self, name: &str) -> Result<CryptoKey, JsValue> {
        Reflect::get(&self.0, &name.into())?.dyn_into()
    }

    /// The public key's coordinates (public keys are always exportable).
    pub async fn public_key(&self, window: &Window) -> Result<PublicKey, JsValue> {
        let promise = window
            .crypto()?
            .subtle()
            .export_key("jwk", &self.part("publicKey")?)?;
        let jwk = JsFuture::from(promise).await?;
        let json: Value = serde_wasm_bindgen::from_value(jwk)?;
        PublicKey::from_jwk(&json).map_err(|e| JsValue::from_str(&e.to_string()))
    }

    /// An ECDSA P-256/SHA-256 signature of `message` (IEEE P1363: `r ‖ s`, 64 bytes).
    pub async fn sign(&self, window: &Window, message: &[u8]) -> Result<Vec<u8>, JsValue> {
        let algorithm = object(&[("name", "ECDSA"), ("hash", "SHA-256")])?;
        let promise = window.crypto()?.subtle().sign_with_object_and_u8_array(
            &algorithm,
            &self.part("privateKey")?,
            message,
        )?;
        let buffer = JsFuture::from(promise).await?;
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    }

    /// Whether the private key is non-extractable, as made here (a key written into IndexedDB
    /// by anything else is not used).
    pub fn is_bound(&self) -> bool {
        self.part("privateKey").is_ok_and(|key| !key.extractable())
    }
}

/// A promise settled by the browser calling one of two handlers set by `attach`.
fn settled(attach: impl FnOnce(&js_sys::Function, &js_sys::Function)) -> JsFuture {
    let mut attach = Some(attach);
    JsFuture::from(Promise::new(&mut |resolve, reject| {
        if let Some(attach) = attach.take() {
            attach(&resolve, &reject);
        }
    }))
}

/// The result of an IndexedDB request, once it succeeded.
async fn finished(request: &IdbRequest) -> Result<JsValue, JsValue> {
    settled(|resolve, reject| {
        request.set_onsuccess(Some(resolve));
        request.set_onerror(Some(reject));
    })
    .await?;
    request.result()
}

/// The key database, created on first use. Fails where the browser gives this page no
/// IndexedDB (storage blocked for a page inside another site's page).
async fn open(window: &Window) -> Result<IdbDatabase, JsValue> {
    let factory = window
        .indexed_db()?
        .ok_or_else(|| JsValue::from_str("no IndexedDB"))?;
    let request: IdbOpenDbRequest = factory.open_with_u32(DATABASE, 1)?;
    let upgrading = request.clone();
    let upgrade = Closure::once_into_js(move || {
        if let Ok(db) = upgrading.result().and_then(|r| r.dyn_into::<IdbDatabase>()) {
            let _ = db.create_object_store(STORE);
        }
    });
    request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    finished(&request).await?.dyn_into()
}

/// Runs `write` on the key store in a read-write transaction and waits until it committed.
async fn write(
    window: &Window,
    write: impl FnOnce(&web_sys::IdbObjectStore) -> Result<IdbRequest, JsValue>,
) -> Result<(), JsValue> {
    let db = open(window).await?;
    let transaction = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)?;
    write(&transaction.object_store(STORE)?)?;
    let done = settled(|resolve, reject| {
        transaction.set_oncomplete(Some(resolve));
        transaction.set_onerror(Some(reject));
        transaction.set_onabort(Some(reject));
    });
    let result = done.await.map(|_| ());
    db.close();
    result
}

/// Keeps `pair` under `key_id`, in place of every other key (one login's key at a time).
pub async fn save(window: &Window, key_id: &str, pair: &KeyPair) -> Result<(), JsValue> {
    write(window, |store| {
        store.clear()?;
        store.put_with_key(&pair.0, &key_id.into())
    })
    .await
}

/// The key pair kept under `key_id`, if there is one.
pub async fn load(window: &Window, key_id: &str) -> Result<Option<KeyPair>, JsValue> {
    let db = open(window).await?;
    let transaction = db.transaction_with_str(STORE)?;
    let value = finished(&transaction.object_store(STORE)?.get(&key_id.into())?).await;
    db.close();
    let value = value?;
    Ok((!value.is_undefined()).then_some(KeyPair(value)))
}

/// Deletes every key (logout).
pub async fn clear(window: &Window) -> Result<(), JsValue> {
    write(window, |store| store.clear()).await
}

/// A new login's key: the pair, the binding the session keeps, and the nonce that commits to
/// them. `saved` says whether IndexedDB holds the key (where it does not, the key lives only
/// as long as this page, like a session kept in memory).
pub struct NewKey {
    /// The key pair.
    pub pair: KeyPair,
    /// Key id and salt.
    pub binding: Binding,
    /// `base64url(SHA-256(thumbprint ‖ salt))`.
    pub nonce: String,
    /// Kept in IndexedDB.
    pub saved: bool,
}

/// Makes the key of a new login, and keeps it in IndexedDB in place of any other.
pub async fn new_key(window: &Window) -> Result<NewKey, JsValue> {
    let pair = KeyPair::generate(window).await?;
    let public = pair.public_key(window).await?;
    let thumbprint = crypto::sha256(window, public.thumbprint_input().as_bytes()).await?;
    let binding = Binding::new(&thumbprint, &crypto::random_bytes(window)?);
    let nonce = nonce_from_digest(&crypto::sha256(window, &binding.commitment_input()).await?);
    let saved = save(window, &binding.key_id, &pair).await.is_ok();
    Ok(NewKey {
        pair,
        binding,
        nonce,
        saved,
    })
}

/// The proof for one Streamlit session: `challenge`, with the issuer and client id
/// ([`signed_message`]), signed by the key of `binding` (`cached` when this page holds it, else
/// read from IndexedDB). Fails when the key is gone (storage cleared, another browser's session
/// copied here) or the browser cannot sign.
pub async fn prove(
    window: &Window,
    cached: Option<KeyPair>,
    binding: &Binding,
    challenge: &str,
    (issuer, client_id): (&str, &str),
) -> Result<(KeyPair, Value), ProofError> {
    let message = signed_message(challenge, issuer, client_id);
    let pair = match cached {
        Some(pair) => pair,
        None => load(window, &binding.key_id)
            .await
            .ok()
            .flatten()
            .filter(KeyPair::is_bound)
            .ok_or(ProofError::KeyMissing)?,
    };
    let public = pair
        .public_key(window)
        .await
        .map_err(|_| ProofError::Crypto)?;
    let signature = pair
        .sign(window, message.as_bytes())
        .await
        .map_err(|_| ProofError::Crypto)?;
    let proof = proof_json(&public, binding, challenge, &signature);
    Ok((pair, proof))
}

/// Why no proof could be made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofError {
    /// This browser does not hold the login's key.
    KeyMissing,
    /// WebCrypto refused to export or sign.
    Crypto,
}

impl ProofError {
    /// A stable code for events and Python.
    pub fn code(self) -> &'static str {
        match self {
            ProofError::KeyMissing => "binding_key_missing",
            ProofError::Crypto => "crypto_unavailable",
        }
    }

    /// For people.
    pub fn message(self) -> &'static str {
        match self {
            ProofError::KeyMissing => {
                "This login's key is not in this browser (its site data was cleared, or the \
                 session was copied from elsewhere): log in again."
            }
            ProofError::Crypto => "The browser cannot sign with the login's key: log in again.",
        }
    }
}
