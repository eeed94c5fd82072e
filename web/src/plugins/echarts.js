// ECharts core with only the charts and components the app uses.
// Add more (LineChart, PieChart, MapChart, ...) here when a page needs them.
import * as echarts from 'echarts/core'
import { BarChart } from 'echarts/charts'
import { GridComponent, TooltipComponent, TitleComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

echarts.use([BarChart, GridComponent, TooltipComponent, TitleComponent, CanvasRenderer])

export default echarts
