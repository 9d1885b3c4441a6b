// The pop-up menus: a row's ⋯ menu and the header's ☰ menu.
import { byId } from "./dom";

/** Opens a menu under its button: focus on the first item, arrows move, Escape goes back. */
export function showMenu(menu: HTMLElement, anchor: HTMLElement): void {
  const r = anchor.getBoundingClientRect();
  menu.style.top = `${Math.min(r.bottom + 4, window.innerHeight - 240)}px`;
  menu.style.right = `${Math.max(8, window.innerWidth - r.right)}px`;
  menu.hidden = false;
  (menu.firstElementChild as HTMLElement | null)?.focus();
  menu.onkeydown = (e) => {
    const items = [...menu.querySelectorAll("button")];
    const i = items.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === "Escape") {
      closeMenu();
      anchor.focus();
    } else if (e.key === "ArrowDown") items[(i + 1) % items.length].focus();
    else if (e.key === "ArrowUp") items[(i - 1 + items.length) % items.length].focus();
  };
}

export function closeMenu(): void {
  byId("row-menu").hidden = true;
  byId("app-menu").hidden = true;
}

export function menuOpen(): boolean {
  return !byId("row-menu").hidden || !byId("app-menu").hidden;
}

/** Closes an open menu on a click outside it. */
export function wireMenuDismiss(): void {
  document.addEventListener("click", (e) => {
    const t = e.target as HTMLElement;
    const open = ["row-menu", "app-menu"].map(byId).filter((m) => !m.hidden);
    if (open.length && !open.some((m) => m.contains(t)) && !t.closest(".row-menu, #menu-btn")) {
      closeMenu();
    }
  });
}
