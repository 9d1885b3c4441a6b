// The test server panel: start/stop the bundled MFA server, its users, a live request log,
// "Create test user" and "Add to Twofold".
import { invoke } from "@tauri-apps/api/core";
import { openUrl } from "@tauri-apps/plugin-opener";
import { errorText } from "./api";
import { byId, h } from "./dom";
import { toast } from "./toast";
import { fmtTime, setText, t } from "./i18n";

interface PanelUser {
  id: number;
  email: string;
  totp_enabled: boolean;
  recovery_codes_left: number;
  can_add: boolean;
}

interface PanelLog {
  at: number;
  method: string;
  path: string;
  status: number;
  duration_us: number;
}

interface PanelUrls {
  browser: string;
  app: string;
  rest: string;
  pages: string;
}

interface PanelStatus {
  running: boolean;
  url: string | null;
  mode: string | null;
  profile: string | null;
  issuer: string | null;
  urls: PanelUrls | null;
  users: PanelUser[];
  log: PanelLog[];
}

let timer: number | undefined;
let onVaultChange: () => Promise<void> = async () => {};

/** A mode's name in the window's language (the values are the server's). */
function modeName(mode: string | null | undefined): string {
  if (mode === "optional") return t("server.mode_optional");
  if (mode === "required") return t("server.mode_required");
  if (mode === "disabled") return t("server.mode_disabled");
  return mode ?? "";
}

function render(s: PanelStatus): void {
  const state = byId("srv-state");
  const mode = modeName(s.mode);
  if (s.running) setText(state, "server.running", { profile: s.profile, mode });
  else setText(state, "server.stopped");
  state.title = s.running ? t("server.running_title", { profile: s.profile, mode, issuer: s.issuer }) : "";
  byId("srv-state").className = s.running ? "pill ok" : "pill";
  const toggleBtn = byId<HTMLButtonElement>("srv-toggle");
  toggleBtn.dataset.running = String(s.running);
  setText(toggleBtn, s.running ? "server.stop" : "server.start");
  const url = byId<HTMLAnchorElement>("srv-url");
  url.hidden = !s.url;
  url.textContent = s.url ?? "";
  url.href = s.url ?? "#";
  for (const id of ["srv-profile", "srv-port", "srv-mode", "srv-issuer", "srv-tolerance"]) {
    byId<HTMLInputElement>(id).disabled = s.running;
  }
  if (s.running && s.profile) byId<HTMLSelectElement>("srv-profile").value = s.profile;
  byId("srv-urls").hidden = !s.urls;
  for (const face of ["browser", "app", "rest", "pages"] as const) {
    byId(`srv-url-${face}`).textContent = s.urls?.[face] ?? "";
  }
  byId("srv-running").hidden = !s.running;

  const users = byId("srv-users");
  users.replaceChildren(
    ...s.users.map((u) => {
      const add = h("button", { type: "button", class: "btn small", text: t("server.add_to_twofold"), "data-email": u.email });
      add.hidden = !u.can_add;
      add.addEventListener("click", () => void addToTwofold(u.email));
      return h(
        "li",
        { class: "srv-user" },
        h("span", { class: "srv-email", text: u.email }),
        h("span", { class: u.totp_enabled ? "pill ok" : "pill", text: u.totp_enabled ? t("server.totp_on") : t("server.totp_off") }),
        add,
      );
    }),
  );
  byId("srv-no-users").hidden = s.users.length > 0;
  const log = byId("srv-log");
  log.replaceChildren(
    ...s.log.slice(0, 50).map((l) =>
      h(
        "li",
        { class: l.status >= 400 ? "bad" : "" },
        h("span", { class: "log-time", text: fmtTime(l.at) }),
        h("span", { class: "log-method", text: l.method }),
        h("span", { class: "log-path", text: l.path }),
        h("span", { class: "log-status", text: String(l.status) }),
      ),
    ),
  );
}

async function refresh(): Promise<void> {
  try {
    render(await invoke<PanelStatus>("server_status"));
  } catch (err) {
    toast(errorText(err));
  }
}

async function toggle(): Promise<void> {
  const running = byId("srv-toggle").dataset.running === "true";
  try {
    if (running) {
      render(await invoke<PanelStatus>("server_stop"));
      return;
    }
    const req = {
      profile: byId<HTMLSelectElement>("srv-profile").value,
      port: Number(byId<HTMLInputElement>("srv-port").value),
      mode: byId<HTMLSelectElement>("srv-mode").value,
      issuer: byId<HTMLInputElement>("srv-issuer").value,
      tolerance: Number(byId<HTMLInputElement>("srv-tolerance").value),
    };
    render(await invoke<PanelStatus>("server_start", { req }));
  } catch (err) {
    toast(errorText(err));
  }
}

async function createUser(e: Event): Promise<void> {
  e.preventDefault();
  const email = byId<HTMLInputElement>("srv-email");
  const password = byId<HTMLInputElement>("srv-password");
  const enrolled = byId<HTMLInputElement>("srv-enrolled").checked;
  try {
    render(
      await invoke<PanelStatus>("server_create_user", {
        req: { email: email.value, password: password.value, enrolled },
      }),
    );
    toast(t(enrolled ? "server.created_enrolled" : "server.created", { email: email.value }));
    email.value = "";
  } catch (err) {
    toast(errorText(err));
  }
}

async function addToTwofold(email: string): Promise<void> {
  try {
    await invoke<string>("server_add_to_twofold", { email });
    toast(t("server.added", { email }));
    await onVaultChange();
  } catch (err) {
    toast(errorText(err));
  }
}

/** A profile's own tolerance (allauth's TOTP_TOLERANCE is 0, django-otp's 1). */
const toleranceOf = (profile: string): string => (profile === "allauth" ? "0" : "1");

let filled = false;

/** The panel's number fields get their first values when it first opens, not in the page's HTML:
 *  a number field with a value makes WebKit load ICU's number formatting (about 1.5 MB of the
 *  web process) to show it in the locale's digits, at start for a panel most never open. */
function fillDefaults(): void {
  if (filled) return;
  filled = true;
  byId<HTMLInputElement>("srv-port").value = "8765";
  byId<HTMLInputElement>("srv-tolerance").value = toleranceOf(byId<HTMLSelectElement>("srv-profile").value);
}

export function openServerPanel(): void {
  fillDefaults();
  byId("app-main").hidden = true;
  byId("server-panel").hidden = false;
  byId("srv-toggle").focus();
  void refresh();
  timer = window.setInterval(() => void refresh(), 1500);
}

export function closeServerPanel(): void {
  window.clearInterval(timer);
  byId("server-panel").hidden = true;
  byId("app-main").hidden = false;
}

export function wireServerPanel(vaultChanged: () => Promise<void>): void {
  onVaultChange = vaultChanged;
  byId("server-btn").addEventListener("click", openServerPanel);
  byId("srv-back").addEventListener("click", () => {
    closeServerPanel();
    void vaultChanged();
  });
  byId("srv-toggle").addEventListener("click", () => void toggle());
  // A profile brings its own tolerance; the field can still override it.
  byId("srv-profile").addEventListener("change", (e) => {
    byId<HTMLInputElement>("srv-tolerance").value = toleranceOf((e.currentTarget as HTMLSelectElement).value);
  });
  byId("srv-create").addEventListener("submit", (e) => void createUser(e));
  byId("srv-url").addEventListener("click", (e) => {
    e.preventDefault();
    const href = (e.currentTarget as HTMLAnchorElement).href;
    void openUrl(href).catch((err: unknown) => toast(errorText(err)));
  });
}
