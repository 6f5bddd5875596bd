/**
 * Colours and dashes of the report page, shared by its plots (drawn with Observable Plot) and by
 * the legends around them (plain HTML, drawn without loading the plotting library).
 */

/** Observable's categorical palette (Plot's default `observable10`), one colour per class. */
export const PALETTE = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5", "#9c6b4e", "#9498a0"];

/** Dash pattern per overlaid run: the first run solid, the second dashed. */
export const RUN_DASH = [undefined, "5,3"] as const;

export function classColor(k: number): string {
  return PALETTE[k % PALETTE.length]!;
}
