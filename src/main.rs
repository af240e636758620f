//! Entry point of the app: installs the panic hook, then boots (cache first, then the screens).

fn main() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(command_center::boot());
}
