// The window as a person sees it: the X screen's pixels in its rectangle (ImageMagick's
// `import`). Used by the end-to-end tests and bench/desktop.sh; WebKitWebDriver's own
// screenshot never answers for a page painted without accelerated compositing.
import { execFileSync } from "node:child_process";

/** Writes the X screen's pixels in rect {x, y, width, height} to a PNG file. */
export function captureWindow({ x, y, width, height }, file) {
  execFileSync("import", ["-window", "root", "-crop", `${width}x${height}+${x}+${y}`, "+repage", file]);
}
