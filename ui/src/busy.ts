// A busy state for actions that wait on Rust (an Argon2 run, a file, the screen): the button is
// disabled at once (no second click starts a second run) and shows a spinner after 150 ms, so a
// quick action does not flicker.
const SPINNER_AFTER_MS = 150;

export async function busy<T>(button: HTMLButtonElement | null, fn: () => Promise<T>): Promise<T | undefined> {
  if (!button) return fn();
  if (button.getAttribute("aria-busy") === "true") return undefined;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  const timer = setTimeout(() => button.classList.add("busy"), SPINNER_AFTER_MS);
  try {
    return await fn();
  } finally {
    clearTimeout(timer);
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.classList.remove("busy");
  }
}
