// The Attach screen's Python processes: those that installed heapgraph_py's handler
// (heapgraph_py.install(), or python -m heapgraph_py run), and this user's other CPython 3.14+
// processes (sys.remote_exec sends them the writer), each with a button that asks it for a heap
// snapshot (written by the process into the capture folder) and opens it.
import { useEffect, useState } from 'react'
import type { HeapgraphApi, PythonProcessInfo, SnapshotInfo } from '../../../shared/protocol'

interface Props {
  api: HeapgraphApi
  onOpened: (info: SnapshotInfo) => void
}

export function PythonProcesses({ api, onOpened }: Props): React.JSX.Element {
  const [processes, setProcesses] = useState<PythonProcessInfo[] | null>(null)
  const [waiting, setWaiting] = useState<number | null>(null)
  const [error, setError] = useState<string | null>(null)
  const refresh = (): void => {
    api.listPythonProcesses({}).then(setProcesses, () => setProcesses([]))
  }
  useEffect(refresh, [api])
  const capture = async (pid: number): Promise<void> => {
    setError(null)
    setWaiting(pid)
    try {
      onOpened(await api.capturePython({ pid, collect: false }))
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure))
      refresh()
    } finally {
      setWaiting(null)
    }
  }
  return (
    <>
      <h2>Python processes</h2>
      <p className="hint">
        Processes that called <code>heapgraph_py.install()</code> or run under{' '}
        <code>python -m heapgraph_py run</code>, and your other CPython 3.14+ processes, which take
        the writer in through <code>sys.remote_exec</code>; the process writes its own snapshot.{' '}
        <button type="button" onClick={refresh}>
          Refresh
        </button>
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {processes !== null && processes.length === 0 && <p>None found.</p>}
      {processes !== null && processes.length > 0 && (
        <table aria-label="Python processes">
          <thead>
            <tr>
              <th>PID</th>
              <th>Python</th>
              <th>Asked by</th>
              <th>Command</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {processes.map((entry) => (
              <tr key={entry.pid}>
                <td>{entry.pid}</td>
                <td>{entry.python}</td>
                <td>{entry.via === 'remote_exec' ? 'sys.remote_exec' : entry.signal}</td>
                <td className="name" title={entry.argv.join(' ')}>
                  {entry.argv.join(' ')}
                </td>
                <td>
                  <button
                    type="button"
                    disabled={waiting !== null}
                    onClick={() => void capture(entry.pid)}
                  >
                    {waiting === entry.pid ? 'Waiting for its snapshot…' : 'Take snapshot'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}
