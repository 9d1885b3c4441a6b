// The app's tray menu, read and clicked the way a tray host does it: over D-Bus, through the
// StatusNotifierItem menu (com.canonical.dbusmenu) that libayatana-appindicator exports.
import { execFileSync } from "node:child_process";

const MENU = "/org/ayatana/NotificationItem/tray_icon_tray_app_main/Menu";

const gdbus = (args) =>
  execFileSync("gdbus", ["call", "--session", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

function layout(name, timeout = 10) {
  return gdbus(["--timeout", String(timeout), "--dest", name, "--object-path", MENU, "--method", "com.canonical.dbusmenu.GetLayout", "--", "0", "-1", "[]"]);
}

/** The bus name of the app's tray menu: one of the app process's connections. */
export function findTray() {
  let pids;
  try {
    pids = execFileSync("pgrep", ["-x", "twofold-desktop"], { encoding: "utf8" }).trim().split("\n");
  } catch {
    return null;
  }
  const bus = ["--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus", "--method"];
  const names = gdbus([...bus, "org.freedesktop.DBus.ListNames"]).match(/':[^']+'/g) ?? [];
  for (const quoted of names) {
    const name = quoted.slice(1, -1);
    try {
      const pid = /uint32 (\d+)/.exec(gdbus([...bus, "org.freedesktop.DBus.GetConnectionUnixProcessID", name]))?.[1];
      if (!pids.includes(pid)) continue;
      // Another connection of the process (not the tray's) may never answer: a short timeout.
      layout(name, 2);
      return name;
    } catch {
      // not this connection
    }
  }
  return null;
}

/** The menu's items: id, label and whether it can be clicked. */
export function trayItems(tray) {
  return [...layout(tray).matchAll(/\((\d+), \{([^}]*)\}/g)]
    .map(([, id, props]) => ({
      id: Number(id),
      label: /'label': <'([^']*)'>/.exec(props)?.[1],
      enabled: !props.includes("'enabled': <false>"),
    }))
    .filter((i) => i.label !== undefined);
}

/** Clicks the item `id`, as the tray host does when the user picks it. */
export function clickTrayItem(tray, id) {
  gdbus(["--dest", tray, "--object-path", MENU, "--method", "com.canonical.dbusmenu.Event", "--", String(id), "clicked", "<0>", "0"]);
}
