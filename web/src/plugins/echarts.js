// ECharts core with only the charts and components the app uses.
// Add more (LineChart, PieChart, ...) here when a page needs them.
// MapChart draws GeoJSON registered with echarts.registerMap (no tile server).
import * as echarts from 'echarts/core'
import { BarChart, MapChart } from 'echarts/charts'
import { GridComponent, TooltipComponent, TitleComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([BarChart, MapChart, GridComponent, TooltipComponent, TitleComponent, CanvasRenderer])

export default echarts
