// Init script of the bench pages (Playwright runs it in every frame before the page's scripts).
// `BENCH` is prepended by the bench: {marker, blockStorageEvents}.
// Every time is performance.timeOrigin + performance.now() of Streamlit's page: milliseconds on
// one clock.
(() => {
  const now = () => performance.timeOrigin + performance.now();

  if (window.top === window) {
    // Streamlit's page: when the component's iframe is created, when it says componentReady, and
    // the first animation frames in which the iframe's body shows text, then the marker text
    // (the rendered view). Only one component per app, so the first iframe is it.
    const bench = (window.__bench = { iframeAt: null, readyAt: null, textAt: null, markerAt: null });
    const watch = (iframe) => {
      const tick = () => {
        const doc = iframe.contentDocument;
        if (doc && doc.URL !== 'about:blank' && doc.body) {
          const text = (doc.body.innerText || '').trim();
          if (text && bench.textAt === null) bench.textAt = now();
          if (text && BENCH.marker && text.includes(BENCH.marker)) bench.markerAt = now();
        }
        if (bench.markerAt === null) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    };
    new MutationObserver((records, observer) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node.nodeType !== 1) continue;
          const iframe = node.tagName === 'IFRAME' ? node : node.querySelector && node.querySelector('iframe');
          if (iframe) {
            bench.iframeAt = now();
            bench.iframe = iframe;
            observer.disconnect();
            watch(iframe);
            return;
          }
        }
      }
    }).observe(document, { childList: true, subtree: true });
    window.addEventListener('message', (event) => {
      const data = event.data;
      if (bench.readyAt === null && data && data.isStreamlitMessage && data.type === 'streamlit:componentReady') {
        bench.readyAt = now();
      }
    }, true);
    // The browser's first contentful paint of the component's document, on the same clock.
    window.__benchFcp = () => {
      const win = bench.iframe && bench.iframe.contentWindow;
      if (!win) return null;
      const entry = win.performance.getEntriesByName('first-contentful-paint')[0];
      return entry ? win.performance.timeOrigin + entry.startTime : null;
    };
    return;
  }
  if (window.parent !== window.top || window.__benchFrame) return;

  // The component's frame. Chromium keeps the window (and this realm) of the iframe's initial
  // about:blank document when the same-origin component page replaces it, so what is installed
  // here is in place for the component's own scripts.
  const frame = (window.__benchFrame = { storageBlocked: 0, storageReads: 0, wasm: null });

  // The wasm instance's memory, however the page instantiates it.
  const keep = (result) => {
    const instance = result && (result.instance || result);
    if (instance && instance.exports && instance.exports.memory instanceof WebAssembly.Memory) {
      frame.wasm = instance.exports.memory;
    }
    return result;
  };
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = WebAssembly[name];
    if (typeof original === 'function') {
      WebAssembly[name] = function (...args) { return original.apply(this, args).then(keep); };
    }
  }

  // Heartbeat-only mode: the component's `storage` listener is never added.
  if (BENCH.blockStorageEvents) {
    const add = window.addEventListener;
    window.addEventListener = function (type, listener, options) {
      if (type === 'storage') { frame.storageBlocked += 1; return undefined; }
      return add.call(this, type, listener, options);
    };
  }
  // Counts storage reads (the component reads its session key on every heartbeat).
  const getItem = Storage.prototype.getItem;
  Storage.prototype.getItem = function (key) {
    frame.storageReads += 1;
    return getItem.call(this, key);
  };
})();
