/** One dataset of a chart; `data` is by label on category charts and `{x, y}` points on linear ones. */
export interface ChartDatasetSpec {
  label: string;
  data: (number | null)[] | { x: number; y: number }[];
  colour: string;
  /** Drawn differently from the chart's type: 'points' draws unconnected markers. */
  draw?: 'bar' | 'line' | 'points';
  stack?: string;
  pointStyle?: 'circle' | 'triangle' | 'rect' | 'rectRot' | 'star' | 'cross' | 'crossRot' | 'line';
  pointRadius?: number;
  /** Fills the area between this dataset and the next one (a spread or threshold band). */
  fillToNext?: boolean;
  /** Left out of the legend (band edges); the chart's description names what they show. */
  hideInLegend?: boolean;
  dashed?: boolean;
  /** Names of the points (scatter), shown in tooltips. */
  pointLabels?: string[];
  /** Short names written next to the points on the canvas (a scatter's variants). */
  pointNames?: string[];
  /** The variant a dataset belongs to, for the page's variant filter. */
  variant?: string;
  /** 'threshold' datasets show only when the variant filter picks their variant. */
  role?: 'threshold';
}

/** A shaded x range (a pipeline stage on a timeline) listed in the legend by its label. */
export interface ChartBandSpec {
  label: string;
  from: number;
  to: number;
  colour: string;
}

/** Everything a chart draws; serialised into the canvas's `data-chart` attribute, which tests read back. */
export interface ChartSpec {
  type: 'bar' | 'line';
  title: string;
  xTitle: string;
  yTitle: string;
  /** Category labels; absent on a linear x axis. */
  labels?: string[];
  datasets: ChartDatasetSpec[];
  stacked?: boolean;
  bands?: ChartBandSpec[];
  /** A logarithmic y axis, for ratios that span orders of magnitude. */
  yLog?: boolean;
  /** The chart in words, for screen readers and anyone who cannot see it: what it shows and its main figures. */
  description: string;
}
