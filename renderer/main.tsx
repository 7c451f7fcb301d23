// Renderer entry: connects to the backend (preload or web mode) and mounts the app.
import { createRoot } from 'react-dom/client'
import { connectApi } from './api/connect'
import { App } from './app'
import { warmLayoutEngine } from './views/graph/elk-engine'
import './styles.css'
import './workbench.css'

const root = createRoot(document.getElementById('root') as HTMLElement)
connectApi().then(
  (api) => {
    root.render(<App api={api} />)
    // The graph's layout worker starts while the user picks a snapshot.
    warmLayoutEngine()
  },
  (error: unknown) =>
    root.render(
      <p role="alert" className="error">
        Cannot reach the Heapgraph backend: {String(error)}
      </p>,
    ),
)
