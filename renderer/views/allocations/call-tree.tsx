// An allocation profile top-down: its call tree from V8's head, each call with the bytes
// sampled in it (self) and in everything it called (total), children largest first, fetched
// when a call is opened (a page at a time). A tree for assistive technology: arrow keys move,
// Right opens, Left closes or goes to the parent.
import { useEffect, useState } from 'react'
import type { CallTreeNode, HeapgraphApi, ProfileInfo } from '../../../shared/protocol'
import { formatBytes } from '../../format'
import { siteLabel } from './site-label'

const PAGE = 50

interface Children {
  items: CallTreeNode[]
  total: number
}

export function CallTree({
  api,
  profile,
}: {
  api: HeapgraphApi
  profile: ProfileInfo
}): React.JSX.Element {
  const [head, setHead] = useState<CallTreeNode | null>(null)
  const [children, setChildren] = useState<ReadonlyMap<number, Children>>(new Map())
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set())
  const [error, setError] = useState<string | null>(null)
  const load = (nodeId: number | undefined, start: number): void => {
    api
      .getCallTree({ profileId: profile.profileId, nodeId, start, count: PAGE })
      .then(({ node, children: page }) => {
        if (nodeId === undefined) setHead(node)
        setChildren((current) => {
          const known = current.get(node.id)?.items ?? []
          return new Map(current).set(node.id, {
            items: [...known.slice(0, page.start), ...page.items],
            total: page.total,
          })
        })
      })
      .catch((failure: unknown) =>
        setError(failure instanceof Error ? failure.message : String(failure)),
      )
  }
  useEffect(() => load(undefined, 0), [profile.profileId])
  useEffect(() => {
    if (head) setOpen(new Set([head.id]))
  }, [head?.id])

  const toggle = (node: CallTreeNode, opened: boolean): void => {
    setOpen((current) => {
      const next = new Set(current)
      if (opened) next.add(node.id)
      else next.delete(node.id)
      return next
    })
    if (opened && !children.has(node.id) && node.childCount > 0) load(node.id, 0)
  }

  const onKeyDown = (event: React.KeyboardEvent<HTMLUListElement>): void => {
    const items = [...event.currentTarget.querySelectorAll<HTMLElement>('[role="treeitem"]')]
    const at = items.indexOf(document.activeElement as HTMLElement)
    if (at === -1) return
    const item = items[at]
    const focus = (element: HTMLElement | undefined): void => {
      if (!element) return
      event.preventDefault()
      element.focus()
    }
    if (event.key === 'ArrowDown') focus(items[at + 1])
    else if (event.key === 'ArrowUp') focus(items[at - 1])
    else if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
      event.preventDefault()
      const expanded = item.getAttribute('aria-expanded')
      if (event.key === 'ArrowRight' && expanded === 'false') item.click()
      else if (event.key === 'ArrowLeft' && expanded === 'true') item.click()
      else if (event.key === 'ArrowLeft')
        item.parentElement?.closest<HTMLElement>('[role="treeitem"]')?.focus()
    }
  }

  const renderNode = (node: CallTreeNode, level: number): React.JSX.Element => {
    const opened = open.has(node.id)
    const known = children.get(node.id)
    const share = profile.totalSize > 0 ? (node.totalSize / profile.totalSize) * 100 : 0
    return (
      <li
        key={node.id}
        role="treeitem"
        aria-level={level}
        aria-expanded={node.childCount > 0 ? opened : undefined}
        tabIndex={level === 1 ? 0 : -1}
        onClick={(event) => {
          event.stopPropagation()
          if (node.childCount > 0) toggle(node, !opened)
        }}
      >
        <span className="call">
          <span className="twisty" aria-hidden="true">
            {node.childCount === 0 ? ' ' : opened ? '▾' : '▸'}
          </span>{' '}
          <span className="call-name">
            {level === 1 ? '(all allocations)' : siteLabel(node, 'function', profile.scriptRoot)}
          </span>
          <span className="call-sizes">
            {formatBytes(node.totalSize)} total · {share.toFixed(1)} % ·{' '}
            {formatBytes(node.selfSize)} self
          </span>
        </span>
        {opened && known && (
          <ul role="group">
            {known.items.map((child) => renderNode(child, level + 1))}
            {known.items.length < known.total && (
              <li role="none">
                <button
                  onClick={(event) => {
                    event.stopPropagation()
                    load(node.id, known.items.length)
                  }}
                >
                  Show more ({(known.total - known.items.length).toLocaleString('en-US')})
                </button>
              </li>
            )}
          </ul>
        )}
      </li>
    )
  }

  return (
    <>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {head ? (
        <ul className="call-tree" role="tree" aria-label="Call tree" onKeyDown={onKeyDown}>
          {renderNode(head, 1)}
        </ul>
      ) : (
        !error && <p className="muted">Loading the call tree…</p>
      )}
    </>
  )
}
