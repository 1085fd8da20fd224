import type uPlot from 'uplot';
import { themeColour } from './el';

/** A theme colour at 40% opacity, so overlaid bars show both sets (theme colours are #rrggbb). */
export function translucent(colour: string): string {
  return /^#[0-9a-f]{6}$/i.test(colour) ? `${colour}66` : colour;
}

/** uPlot axes in the theme's chart foreground and grid colours. */
export function axisStyle(): uPlot.Axis {
  const fg = themeColour('charts-foreground', themeColour('foreground', '#ccc'));
  const grid = themeColour('charts-lines', 'rgba(128,128,128,0.25)');
  return { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
}

/** The theme's chart palette, in order, for one series per provider or run. */
export function palette(): string[] {
  return [
    themeColour('charts-blue', '#3794ff'),
    themeColour('charts-orange', '#d18616'),
    themeColour('charts-green', '#89d185'),
    themeColour('charts-purple', '#b180d7'),
    themeColour('charts-red', '#f14c4c'),
    themeColour('charts-yellow', '#cca700'),
  ];
}
