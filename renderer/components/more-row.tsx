// "Show more" under a paged table, with how many of how many are shown.
import type { Pages } from './use-pages'

export function MoreRow<T>({ pages }: { pages: Pages<T> }): React.JSX.Element | null {
  const { items, total, loading, loadMore } = pages
  if (total === null || total <= items.length)
    return loading ? <p className="muted">Loading…</p> : null
  return (
    <p className="table-tools">
      <button onClick={loadMore} disabled={loading}>
        Show more
      </button>{' '}
      <span className="muted">
        {(total - items.length).toLocaleString('en-US')} more not shown (
        {items.length.toLocaleString('en-US')} of {total.toLocaleString('en-US')})
      </span>
    </p>
  )
}
