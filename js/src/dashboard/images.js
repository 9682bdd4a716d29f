// Logged images, as the dashboard shows them: the latest image of each name,
// and a step slider for names that hold one image per step (DVCLive's
// `live.log_image(f"samples/{live.step}.png", ...)` gives "samples/3.png").

const STEP_IMAGE = /^(.+)\/(\d+)\.(png|jpe?g|gif)$/i;

/** { key, step }: "samples/3.png" -> { key: "samples", step: 3 }; "cm.png" -> { key: "cm.png", step: null }. */
export function parseImageName(name) {
  const match = STEP_IMAGE.exec(String(name));
  return match ? { key: match[1], step: Number(match[2]) } : { key: String(name), step: null };
}

/**
 * The images shown and each slider's position. Pure state: the caller creates
 * and revokes the image URLs (add() returns the URL an image replaced).
 *
 * A group follows its newest step until the user moves its slider back; moving
 * it to the newest step follows again.
 */
export class ImageState {
  constructor() {
    this.groups = new Map(); // key -> { key, slider, frames: [{ step, name, url }], selected, follow }
  }

  /** Add or replace an image; returns { group, replaced } where `replaced` is the previous URL or null. */
  add(name, url) {
    const { key, step } = parseImageName(name);
    let group = this.groups.get(key);
    if (!group) {
      group = { key, slider: step !== null, frames: [], selected: 0, follow: true };
      this.groups.set(key, group);
    }
    const frameStep = step ?? 0;
    let replaced = null;
    let index = group.frames.findIndex((frame) => frame.step === frameStep);
    if (index >= 0) {
      replaced = group.frames[index].url;
      group.frames[index] = { step: frameStep, name: String(name), url };
    } else {
      index = sortedIndex(group.frames, frameStep);
      group.frames.splice(index, 0, { step: frameStep, name: String(name), url });
      if (!group.follow && index <= group.selected) group.selected += 1;
    }
    if (group.follow) group.selected = group.frames.length - 1;
    return { group, replaced };
  }

  /** Move a group's slider to `index`; returns the frame shown. */
  select(key, index) {
    const group = this.groups.get(key);
    if (!group || !group.frames.length) return null;
    const last = group.frames.length - 1;
    group.selected = Math.min(last, Math.max(0, Math.round(Number(index) || 0)));
    group.follow = group.selected === last;
    return group.frames[group.selected];
  }

  current(key) {
    const group = this.groups.get(key);
    return group && group.frames.length ? group.frames[group.selected] : null;
  }

  /** Every URL held (to revoke them all when the view goes away). */
  urls() {
    return [...this.groups.values()].flatMap((group) => group.frames.map((frame) => frame.url));
  }
}

function sortedIndex(frames, step) {
  let lo = 0;
  let hi = frames.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (frames[mid].step < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
