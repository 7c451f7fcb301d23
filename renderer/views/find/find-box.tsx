// The find box (Ctrl/Cmd+F): a modal combobox that finds classes, object names and @ids in the
// current snapshot. Arrows move through the results, Enter or a click opens one (an object in
// the object view, a class in Summary), Esc closes and gives focus back.
import { useEffect, useId, useRef, useState } from 'react'
import type { HeapgraphApi, SnapshotInfo } from '../../../shared/protocol'
import { useQuery } from '../../components/use-query'
import { formatBytes } from '../../format'
import { findMatches, type FindOption, type FindResults } from '../../../shared/view/find-results'
import { useFindShortcut } from './use-find-shortcut'

interface Props {
  api: HeapgraphApi
  snapshot: SnapshotInfo
  onObject: (node: number) => void
  onClass: (classKey: string) => void
  onClose: () => void
}

const DEBOUNCE_MS = 150

function useDebounced(value: string, delayMs: number): string {
  const [debounced, setDebounced] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs)
    return () => clearTimeout(timer)
  }, [value, delayMs])
  return debounced
}

function OptionContent({ option }: { option: FindOption }): React.JSX.Element {
  if (option.kind === 'class') {
    const { entry } = option
    return (
      <>
        <span className="find-kind">Class</span> <strong>{entry.className}</strong>{' '}
        <span className="muted">
          {entry.count.toLocaleString('en-US')} objects · {formatBytes(entry.retainedSize)}
        </span>
      </>
    )
  }
  const { object } = option
  const name = object.name !== object.className ? object.name.slice(0, 80) : ''
  return (
    <>
      <span className="find-kind">Object</span> {object.className}{' '}
      <span className="id">@{object.id}</span> {name && <span className="muted">“{name}”</span>}{' '}
      <span className="muted">{formatBytes(object.retainedSize)}</span>
    </>
  )
}

function statusText(text: string, results: FindResults | null, error: string | null): string {
  if (error) return error
  if (!text.trim()) return 'Type a class name, an object name or an @id.'
  if (!results || results.text !== text.trim()) return 'Searching…'
  if (results.options.length === 0) return 'No matches.'
  const classes = `${results.classTotal.toLocaleString('en-US')} classes`
  const objects = `${results.objectTotal.toLocaleString('en-US')} objects`
  return `${classes}, ${objects} match.`
}

export function FindBox({ api, snapshot, onObject, onClass, onClose }: Props): React.JSX.Element {
  const [text, setText] = useState('')
  const [active, setActive] = useState(0)
  // Enter pressed before the results for the current text arrived: open the first on arrival.
  const [enterPending, setEnterPending] = useState(false)
  const input = useRef<HTMLInputElement>(null)
  const listId = useId()
  const query = useDebounced(text, DEBOUNCE_MS)
  const { data, error } = useQuery(
    () => findMatches(api, snapshot.snapshotId, query),
    [api, snapshot.snapshotId, query],
  )
  const current = data && data.text === text.trim() ? data : null
  const options = current?.options ?? []
  const optionId = (position: number): string => `${listId}-option-${position}`

  useFindShortcut(true, () => input.current?.select())
  // Give focus back to where it was when the box closes.
  useEffect(() => {
    const previous = document.activeElement
    input.current?.focus()
    return () => {
      if (previous instanceof HTMLElement && previous.isConnected) previous.focus()
    }
  }, [])
  useEffect(() => setActive(0), [data])
  useEffect(() => {
    document.getElementById(optionId(active))?.scrollIntoView({ block: 'nearest' })
  }, [active])

  const choose = (option: FindOption | undefined): void => {
    if (!option) return
    onClose()
    if (option.kind === 'class') onClass(option.entry.classKey)
    else onObject(option.object.node)
  }
  useEffect(() => {
    if (!enterPending || !current) return
    setEnterPending(false)
    choose(current.options[0])
    // Fires when the awaited results arrive.
  }, [enterPending, current])

  const onKeyDown = (event: React.KeyboardEvent): void => {
    if (event.key === 'Escape') {
      event.preventDefault()
      event.stopPropagation()
      onClose()
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      const step = event.key === 'ArrowDown' ? 1 : -1
      setActive((position) =>
        Math.min(Math.max(0, options.length - 1), Math.max(0, position + step)),
      )
    } else if (event.key === 'Enter') {
      event.preventDefault()
      if (current) choose(options[active])
      else if (text.trim()) setEnterPending(true)
    } else if (event.key === 'Tab') {
      // The input is the dialog's only stop; results are reached with the arrows.
      event.preventDefault()
    }
  }

  return (
    <div
      className="find-backdrop"
      onMouseDown={(event) => event.target === event.currentTarget && onClose()}
    >
      <div
        role="dialog"
        aria-modal="true"
        aria-label="Find"
        className="find-box"
        onKeyDown={onKeyDown}
      >
        <input
          ref={input}
          role="combobox"
          aria-label="Find a class, an object name or an @id"
          aria-expanded={options.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={options.length > 0 ? optionId(active) : undefined}
          placeholder="Find a class, a name or @id"
          maxLength={200}
          spellCheck={false}
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
        <p className="muted find-status" aria-live="polite">
          {statusText(text, current, error)}
        </p>
        <ul role="listbox" id={listId} aria-label="Results" className="find-results">
          {options.map((option, position) => (
            <li
              key={option.key}
              id={optionId(position)}
              role="option"
              aria-selected={position === active}
              onMouseDown={(event) => event.preventDefault()}
              onMouseMove={() => position !== active && setActive(position)}
              onClick={() => choose(option)}
            >
              <OptionContent option={option} />
            </li>
          ))}
        </ul>
      </div>
    </div>
  )
}
