// Typed wrappers over the Tauri commands of src-tauri. The front end receives names, codes and
// seconds left; secrets stay in Rust (except "Reveal secret" and "Show QR code", asked for
// explicitly). What a scan or a link finds is named by an opaque handle.
import { invoke } from "@tauri-apps/api/core";

export interface AppInfo {
  name: string;
  version: string;
  /** The desktop's locale ("de-DE"), read by the shell. */
  locale: string;
}

export type VaultState = "ready" | "locked" | "error";

export interface VaultStatus {
  state: VaultState;
  /** One sentence: what went wrong and the way out (state "error" or "locked"). */
  message: string | null;
  /** The technical cause behind the message (a D-Bus error, a failed check), if any. */
  detail: string | null;
  has_passphrase: boolean;
  path: string;
}

export interface Account {
  id: string;
  issuer: string;
  label: string;
  kind: "totp" | "hotp" | "steam";
  algorithm: string;
  digits: number;
  period: number;
  tags: string[];
  pinned: boolean;
  note: string;
  last_used: number | null;
  created: number;
}

export interface CodeView {
  id: string;
  /** Empty for HOTP until "next code" is pressed. */
  code: string;
  next_code: string;
  seconds_left: number;
  period: number;
}

/** What a scan or a link found. Its secret stays in Rust: the page adds it by `handle`. */
export interface Found {
  /** Opaque; null when there is nothing to add (not an account, or `error`). */
  handle: string | null;
  /** "otpauth", "migration" or "other" */
  kind: string;
  accounts: FoundAccount[];
  error: string | null;
}

export interface FoundAccount {
  issuer: string;
  label: string;
  kind: string;
  duplicate: "none" | "same" | "conflict";
}

export interface ManualForm {
  secret: string;
  issuer: string;
  label: string;
  kind: string;
  algorithm: string | null;
  digits: number | null;
  period: number;
  counter: number | null;
  tags: string[];
}

export interface AddResult {
  added: string[];
  skipped_duplicates: number;
}

export interface Settings {
  clipboard_clear_seconds: number;
  idle_lock_seconds: number;
  sort: "name" | "recent" | "manual";
  /** Folder of the automatic backups; "" when they are off. */
  backup_dir: string;
  backup_keep: number;
  /** The window's zoom in percent (Ctrl+= / Ctrl+− / Ctrl+0). */
  zoom_percent: number;
  /** Closing the window keeps Twofold in the tray (where a tray icon is shown). */
  close_to_tray: boolean;
  /** Start with the window hidden in the tray. */
  start_hidden: boolean;
  close_note_shown: boolean;
  /** The list in collapsible sections, one per tag. */
  group_by_tag: boolean;
  /** "system" (the desktop locale), "en" or "de". */
  language: string;
}

/** The window beside the tray (src-tauri/src/window.rs). */
export const windowApi = {
  hideToTray: () => invoke<void>("hide_to_tray"),
  quit: () => invoke<void>("quit_app"),
  trayAvailable: () => invoke<boolean>("tray_available"),
};

export interface BackupStatus {
  password_set: boolean;
  last_path: string | null;
  last_time: number | null;
  error: string | null;
}

export const backupApi = {
  status: () => invoke<BackupStatus>("backup_status"),
  setPassword: (password: string) => invoke<void>("backup_set_password", { password }),
  now: () => invoke<string>("backup_now"),
};

export const api = {
  appInfo: () => invoke<AppInfo>("app_info"),
  vaultStatus: () => invoke<VaultStatus>("vault_status"),
  /** Opens the vault again after it failed to open. */
  reopen: () => invoke<VaultStatus>("reopen"),
  unlock: (passphrase: string) => invoke<VaultStatus>("unlock", { passphrase }),
  lock: () => invoke<VaultStatus>("lock"),
  /** Sets the passphrase, or changes it (`current` must then be the one the vault has). */
  setPassphrase: (passphrase: string, current: string | null) =>
    invoke<VaultStatus>("set_passphrase", { passphrase, current }),
  removePassphrase: (current: string) => invoke<VaultStatus>("remove_passphrase", { current }),
  listAccounts: () => invoke<Account[]>("list_accounts"),
  codes: () => invoke<CodeView[]>("codes"),
  nextHotp: (id: string) => invoke<CodeView>("next_hotp", { id }),
  addUri: (uri: string, tags: string[]) => invoke<AddResult>("add_uri", { uri, tags }),
  addManual: (form: ManualForm) => invoke<AddResult>("add_manual", { form }),
  preview: (form: ManualForm) => invoke<string>("preview", { form }),
  scanImage: (bytes: number[]) => invoke<Found[]>("scan_image", { bytes }),
  scanScreen: () => invoke<Found[]>("scan_screen"),
  /** Adds what `scanImage`, `scanScreen`, `pendingLinks` or `intakeLink` found, by handle. */
  addFound: (handles: string[], tags: string[]) => invoke<AddResult>("add_found", { handles, tags }),
  /** Forgets found codes not added (a cancelled dialog). */
  discardFound: (handles: string[]) => invoke<void>("discard_found", { handles }),
  /** A pasted link: what it would add (its secret is not sent back). */
  intakeLink: (uri: string) => invoke<Found>("intake_link", { uri }),
  updateAccount: (
    id: string,
    patch: { issuer?: string; label?: string; tags?: string[]; note?: string; pinned?: boolean },
  ) => invoke<Account>("update_account", { id, patch }),
  removeAccount: (id: string) => invoke<void>("remove_account", { id }),
  undoRemove: () => invoke<string | null>("undo_remove"),
  moveAccount: (id: string, toIndex: number) => invoke<void>("move_account", { id, toIndex }),
  copyCode: (id: string) => invoke<number>("copy_code", { id }),
  accountQr: (id: string) => invoke<string>("account_qr", { id }),
  revealSecret: (id: string) => invoke<string>("reveal_secret", { id }),
  pendingLinks: () => invoke<Found[]>("pending_links"),
  settings: () => invoke<Settings>("get_settings"),
  saveSettings: (settings: Settings) => invoke<Settings>("set_settings", { settings }),
};

/** Errors from commands arrive as strings (one sentence each). */
export function errorText(err: unknown): string {
  if (typeof err === "string") return err;
  if (err instanceof Error) return err.message;
  return String(err);
}

export interface ImportEntry {
  issuer: string;
  label: string;
  kind: string;
}

export interface ImportPreview {
  needs_password: boolean;
  files: { name: string; format: string; encrypted: boolean; accounts: number }[];
  add: ImportEntry[];
  duplicates: ImportEntry[];
  conflicts: ImportEntry[];
  skipped: string[];
}

export interface ImportDone {
  added: number;
  duplicates: number;
  conflicts_added: number;
}

export interface ExportDone {
  paths: string[];
  accounts: number;
  skipped: string[];
}

export const transferApi = {
  importPreview: (files: { name: string; bytes: number[] }[], format: string, password: string | null) =>
    invoke<ImportPreview>("import_preview", { files, format, password }),
  importCommit: (includeConflicts: boolean) => invoke<ImportDone>("import_commit", { includeConflicts }),
  importCancel: () => invoke<void>("import_cancel"),
  exportAccounts: (format: string, path: string, password: string | null, tags: string[]) =>
    invoke<ExportDone>("export_accounts", { format, path, password, tags }),
  exportDefaultPath: (format: string) => invoke<string>("export_default_path", { format }),
};
