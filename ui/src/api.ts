// Typed wrappers over the Tauri commands of src-tauri. The front end receives names, codes and
// seconds left; secrets stay in Rust (except "Reveal secret" and "Show QR code", asked for
// explicitly). What a scan or a link finds is named by an opaque handle.
import { invoke } from "@tauri-apps/api/core";

// The commands' inputs and outputs: generated from the Rust types by ts-rs (`cargo test`
// writes ui/src/bindings/; CI fails when they are out of date). Never written by hand here.
import type { AppInfo } from "./bindings/AppInfo";
import type { VaultState } from "./bindings/VaultState";
import type { VaultStatus } from "./bindings/VaultStatus";
import type { AccountSummary as Account } from "./bindings/AccountSummary";
import type { CodeView } from "./bindings/CodeView";
import type { Found } from "./bindings/Found";
import type { FoundAccount } from "./bindings/FoundAccount";
import type { ManualForm } from "./bindings/ManualForm";
import type { FormCheck } from "./bindings/FormCheck";
import type { FieldProblem } from "./bindings/FieldProblem";
import type { AddResult } from "./bindings/AddResult";
import type { Settings } from "./bindings/Settings";
import type { BackupStatus } from "./bindings/BackupStatus";
import type { Entry as ImportEntry } from "./bindings/Entry";
import type { ImportPreview } from "./bindings/ImportPreview";
import type { ImportDone } from "./bindings/ImportDone";
import type { ExportDone } from "./bindings/ExportDone";
import type { SortOrder } from "./bindings/SortOrder";
export type { AppInfo, VaultState, VaultStatus, Account, CodeView, Found, FoundAccount, ManualForm, AddResult, Settings, BackupStatus, ImportEntry, ImportPreview, ImportDone, ExportDone, SortOrder, FormCheck, FieldProblem };

/** The window beside the tray (src-tauri/src/window.rs). */
export const windowApi = {
  hideToTray: () => invoke<void>("hide_to_tray"),
  quit: () => invoke<void>("quit_app"),
  trayAvailable: () => invoke<boolean>("tray_available"),
};

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
  /** Every account, in the vault's order. */
  listAccounts: () => invoke<Account[]>("list_accounts"),
  /** The ids of the accounts matching a search and a tag, in an order: what the list shows. */
  listing: (query: string, tag: string | null, sort: SortOrder) => invoke<string[]>("listing", { query, tag, sort }),
  /** The codes of the accounts `ids` names (the rows on screen), or of every account. */
  codes: (ids?: string[]) => invoke<CodeView[]>("codes", { ids: ids ?? null }),
  nextHotp: (id: string) => invoke<CodeView>("next_hotp", { id }),
  addUri: (uri: string, tags: string[]) => invoke<AddResult>("add_uri", { uri, tags }),
  addManual: (form: ManualForm) => invoke<AddResult>("add_manual", { form }),
  /** The form checked by Rust: the code it gives, or its problems (`toKeep`: a name is needed too). */
  preview: (form: ManualForm, toKeep = false) => invoke<FormCheck>("preview", { form, toKeep }),
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
    patch: { issuer?: string; label?: string; tags?: string[]; note?: string; pinned?: boolean; icon?: string },
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

export const transferApi = {
  importPreview: (files: { name: string; bytes: number[] }[], format: string, password: string | null) =>
    invoke<ImportPreview>("import_preview", { files, format, password }),
  importCommit: (includeConflicts: boolean) => invoke<ImportDone>("import_commit", { includeConflicts }),
  importCancel: () => invoke<void>("import_cancel"),
  exportAccounts: (format: string, path: string, password: string | null, tags: string[]) =>
    invoke<ExportDone>("export_accounts", { format, path, password, tags }),
  exportDefaultPath: (format: string) => invoke<string>("export_default_path", { format }),
};
