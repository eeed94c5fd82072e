// ECharts core with only the charts and components the app uses.
// Add more (PieChart, ...) here when a page needs them. LineChart: trends and the Lorenz
// curve (sharing).
// MapChart draws GeoJSON registered with echarts.registerMap (no tile server);
// GraphChart draws the organisation network (force layout), with its legend, and —
// on a GeoComponent over the grids — the matching proposals (need → provider).
import * as echarts from 'echarts/core'
import { BarChart, GraphChart, LineChart, MapChart } from 'echarts/charts'
import { GeoComponent, GridComponent, LegendComponent, TooltipComponent, TitleComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([
  BarChart,
  GraphChart,
  LineChart,
  MapChart,
  GeoComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  TitleComponent,
  CanvasRenderer,
])

export default echarts
