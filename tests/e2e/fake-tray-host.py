"""Stands in for a tray host on the session bus: owns org.kde.StatusNotifierWatcher (the name a
StatusNotifierItem host owns), so the app sees that its tray icon would be shown, and
org.freedesktop.Notifications (a notification service). It answers no calls. Prints 1 once it owns the name, then waits to be killed. Only libdbus, through ctypes."""
import ctypes
import sys
import time

d = ctypes.CDLL("libdbus-1.so.3")


class DBusError(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("message", ctypes.c_char_p), ("dummy", ctypes.c_uint), ("padding1", ctypes.c_void_p)]


err = DBusError()
d.dbus_error_init(ctypes.byref(err))
d.dbus_bus_get.restype = ctypes.c_void_p
d.dbus_bus_get.argtypes = [ctypes.c_int, ctypes.c_void_p]
conn = d.dbus_bus_get(0, ctypes.byref(err))  # DBUS_BUS_SESSION
if not conn:
    sys.exit(f"no session bus: {err.message}")
d.dbus_bus_request_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_uint, ctypes.c_void_p]
# The tray host, and a notification service (its calls are seen with dbus-monitor, not answered).
for name in (b"org.kde.StatusNotifierWatcher", b"org.freedesktop.Notifications"):
    owned = d.dbus_bus_request_name(conn, name, 4, ctypes.byref(err))  # DO_NOT_QUEUE
    if owned != 1:
        sys.exit(f"the name {name.decode()} is taken")
print(owned, flush=True)
while True:
    time.sleep(3600)
