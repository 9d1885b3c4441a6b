// What Rust tells the page without being asked, by long poll (src-tauri/src/events.rs): one
// `next_events` call is always waiting, and its answer comes back as the response to the page's
// own request. Not Tauri's `listen`, which on WebKitGTK makes the app process evaluate a script
// in the page for each listener and start a JavaScript engine of its own to do so.
import { invoke } from "@tauri-apps/api/core";
import type { EventBatch } from "./bindings/EventBatch";
import type { PageEvent } from "./bindings/PageEvent";

type Handlers = { [K in PageEvent["kind"]]: (e: Extract<PageEvent, { kind: K }>) => void };

const next = (after: number | null) => invoke<EventBatch>("next_events", { after });

/** Starts listening: resolves once the page is asking (events from then on reach `on`). */
export async function listenToRust(on: Handlers): Promise<void> {
  let seen = (await next(null)).seq;
  const poll = async (): Promise<void> => {
    for (;;) {
      try {
        const batch = await next(seen);
        seen = batch.seq;
        for (const e of batch.events) (on[e.kind] as (e: PageEvent) => void)(e);
      } catch {
        // A refused or broken call (the app shutting down): ask again a little later.
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  };
  void poll();
}
