/**
 * Accessible tabs (WAI-ARIA pattern): click or arrow keys switch, only the selected tab is in the
 * tab order. Each tab's aria-controls names its panel.
 */
export function setupTabs(tablist, onChange = () => {}) {
  const tabs = [...tablist.querySelectorAll('[role="tab"]')]
  const panelOf = (tab) => tablist.ownerDocument.getElementById(tab.getAttribute('aria-controls'))

  const select = (selected) => {
    for (const tab of tabs) {
      const isSelected = tab === selected
      tab.setAttribute('aria-selected', String(isSelected))
      tab.tabIndex = isSelected ? 0 : -1
      panelOf(tab).hidden = !isSelected
    }
    onChange(selected)
  }

  tablist.addEventListener('click', (event) => {
    const tab = event.target.closest('[role="tab"]')
    if (tab) select(tab)
  })
  tablist.addEventListener('keydown', (event) => {
    const index = tabs.indexOf(document.activeElement)
    if (index < 0) return
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key]
    if (next === undefined) return
    event.preventDefault()
    const tab = tabs[(next + tabs.length) % tabs.length]
    tab.focus()
    select(tab)
  })
}
