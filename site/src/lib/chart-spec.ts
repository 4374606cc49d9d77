/** One dataset of a chart; `data` is by label on category charts and `{x, y}` points on linear ones. */
export interface ChartDatasetSpec {
  label: string;
  data: (number | null)[] | { x: number; y: number }[];
  colour: string;
  /** Drawn differently from the chart's type: 'points' draws unconnected markers. */
  draw?: 'bar' | 'line' | 'points';
  stack?: string;
  pointStyle?: 'circle' | 'triangle' | 'rectRot' | 'line' | 'crossRot';
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
}
