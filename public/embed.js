// Command Center's widget, for a CRM page that shows one contact:
//
//   <script src="https://cc.example.com/embed.js" defer></script>
//   <command-center-contact email="ana@acme.com" name="Ana Souza" company="Acme"></command-center-contact>
//
// The element holds a frame of the app's compact contact page (/embed/contact) from Command Center's own
// origin: the rep's session and cache stay in that origin (the host page's scripts can read neither), the
// host's styles do not reach inside and the widget's do not reach out. Changing the element's attributes
// (a single-page CRM switching contact) switches the widget without reloading it. The frame says how tall
// its content is, and the element takes that height, so there is no inner scrollbar. The endpoint lets
// only the origins it is given (--allowed-origins) frame it.
(() => {
  if (customElements.get('command-center-contact')) return;
  const origin = new URL(document.currentScript.src).origin;
  const FIELDS = ['email', 'name', 'company'];

  class CommandCenterContact extends HTMLElement {
    static observedAttributes = FIELDS;
    #frame;
    #ready = false;

    constructor() {
      super();
      const root = this.attachShadow({ mode: 'closed' });
      const style = document.createElement('style');
      style.textContent = ':host { all: initial; display: block; min-width: 320px; max-width: 400px; }'
        + ' iframe { all: initial; display: block; width: 100%; height: 120px; border: 0; }';
      this.#frame = document.createElement('iframe');
      this.#frame.title = 'Command Center';
      root.append(style, this.#frame);
      window.addEventListener('message', (event) => {
        if (event.source !== this.#frame.contentWindow || event.origin !== origin) return;
        const data = event.data ?? {};
        if (data.type === 'cc-height' && Number.isFinite(data.height)) {
          this.#frame.style.height = `${Math.ceil(data.height)}px`;
        } else if (data.type === 'cc-ready') {
          this.#ready = true;
          this.#send();
        }
      });
    }

    connectedCallback() {
      if (!this.#frame.getAttribute('src')) this.#frame.src = `${origin}/embed/contact?${this.#query()}`;
    }

    attributeChangedCallback() {
      if (this.#ready) this.#send();
    }

    #contact() {
      return Object.fromEntries(FIELDS.map((f) => [f, this.getAttribute(f) ?? '']));
    }

    #query() {
      return new URLSearchParams(this.#contact()).toString();
    }

    #send() {
      this.#frame.contentWindow?.postMessage({ type: 'cc-contact', ...this.#contact() }, origin);
    }
  }

  customElements.define('command-center-contact', CommandCenterContact);
})();
