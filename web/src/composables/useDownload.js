// A file download started from a button (an .xlsx export, an import's error report):
// one at a time, `downloading` for the button's spinner, the outcome as a message.
//
//   const { downloading, download } = useDownload()
//   download(() => exportResidents(filters), (f) => `已导出 ${f.name}`)
//
// start() returns the promise of apiDownload (module api.js); done is the success
// message (a string or f => string; none when omitted). A failure is shown as
// ElMessage.error(failurePrefix + message), or passed to onError(text) when given.
import { ref } from 'vue'
import { ElMessage } from 'element-plus'
import { messageOf } from '../api.js'

export function useDownload({ failurePrefix = '导出失败：', onError = null } = {}) {
  const downloading = ref(false)

  async function download(start, done) {
    if (downloading.value) return null
    downloading.value = true
    try {
      const f = await start()
      if (done) ElMessage.success(typeof done === 'function' ? done(f) : done)
      return f
    } catch (e) {
      const text = failurePrefix + messageOf(e)
      if (onError) onError(text)
      else ElMessage.error(text)
      return null
    } finally {
      downloading.value = false
    }
  }

  return { downloading, download }
}
