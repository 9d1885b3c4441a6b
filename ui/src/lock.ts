// The lock screen: locking (Ctrl+L, the idle time), and unlocking with the passphrase.
import { api, errorText } from "./api";
import { confirmLinks } from "./add";
import { busy } from "./busy";
import { closeModal } from "./dialogs";
import { byId } from "./dom";
import { hooks } from "./hooks";
import { forgetRows } from "./rows";
import { list, state } from "./state";
import { toast } from "./toast";
import { t } from "./i18n";

export function showLock(message: string | null): void {
  state.locked = true;
  // Locked: no name and no code stays in the DOM (or in the page's memory).
  state.accounts = [];
  state.lastViews.clear();
  state.hotpCodes.clear();
  state.rows.clear();
  forgetRows();
  list().replaceChildren();
  byId("tags").replaceChildren();
  // An open dialog (a revealed secret, a code waiting to be added) would stay above the lock.
  closeModal();
  byId("modal-title").textContent = "";
  byId("modal-body").replaceChildren();
  byId("app").hidden = true;
  const lock = byId("lock");
  lock.hidden = false;
  byId("lock-message").textContent = message ?? t("lock.enter");
  byId<HTMLInputElement>("lock-passphrase").focus();
}

export function hideLock(): void {
  state.locked = false;
  byId("lock").hidden = true;
  byId("app").hidden = false;
}

export async function lockNow(): Promise<void> {
  if (!state.hasPassphrase) {
    toast(t("lock.no_passphrase"));
    return;
  }
  const status = await api.lock();
  showLock(status.message);
}

/** Unlock: the passphrase goes to Rust (an Argon2 run: the button shows it is busy). */
export function wireLockForm(): void {
  const form = byId<HTMLFormElement>("lock-form");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const input = byId<HTMLInputElement>("lock-passphrase");
    void busy(byId<HTMLButtonElement>("unlock-btn"), async () => {
      try {
        const status = await api.unlock(input.value);
        input.value = "";
        if (status.state === "ready") {
          await hooks.refresh(status);
          confirmLinks(await api.pendingLinks(), hooks.refresh);
        } else byId("lock-message").textContent = status.message ?? t("lock.still_locked");
      } catch (err) {
        byId("lock-message").textContent = errorText(err);
        input.select();
      }
    });
  });
}

export function idleCheck(): void {
  const idle = state.settings?.idle_lock_seconds ?? 0;
  if (!state.locked && state.hasPassphrase && idle > 0 && Date.now() - state.lastInput > idle * 1000) {
    void lockNow();
  }
}
