// Virtual phone page: talks only to the simulator's control API on the same origin.
const $ = id => document.getElementById(id)

async function call(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined
  })
  const json = await res.json()
  if (!res.ok) throw new Error(json.error ?? `HTTP ${res.status}`)
  return json
}

function item(text, className) {
  const li = document.createElement('li')
  li.textContent = text
  if (className) li.className = className
  return li
}

function show(target, promise, describe) {
  target.className = ''
  target.textContent = '…'
  promise.then(
    result => (target.textContent = describe(result)),
    err => {
      target.className = 'error'
      target.textContent = err.message
    }
  )
}

function formValues(form) {
  return Object.fromEntries([...new FormData(form)].filter(([, v]) => v !== ''))
}

async function refresh() {
  try {
    const [pending, accounts, received] = await Promise.all([call('GET', '/pending-qrs'), call('GET', '/accounts'), call('GET', '/received')])
    $('pending-qrs').replaceChildren(
      ...(pending.length ? pending.map(p => item(`ref …${p.ref.slice(-12)} expires in ${Math.max(0, Math.round((p.expiresAt - Date.now()) / 1000))} s`, 'mono')) : [item('none')])
    )
    $('accounts').replaceChildren(
      ...(accounts.length ? accounts.map(a => item(`+${a.phoneNumber} — devices ${a.devices.join(', ')} — ${a.live} connected`)) : [item('none yet')])
    )
    $('received').replaceChildren(
      ...received.slice(-20).reverse().map(m => item(`${new Date(m.at).toLocaleTimeString()}  +${m.from} → ${m.to}: ${m.text ?? (m.media ? `[${m.media.mimetype}]` : '[message]')}`))
    )
  } catch (err) {
    $('accounts').replaceChildren(item(`control API unreachable: ${err.message}`, 'error'))
  }
}

$('scan-form').addEventListener('submit', event => {
  event.preventDefault()
  show($('link-result'), call('POST', '/scan', formValues(event.target)), r => `linked ${r.jid}`)
})
$('code-form').addEventListener('submit', event => {
  event.preventDefault()
  show($('link-result'), call('POST', '/pair-code', formValues(event.target)), r => `linked ${r.jid}`)
})
$('send-form').addEventListener('submit', event => {
  event.preventDefault()
  show($('send-result'), call('POST', '/inbound', formValues(event.target)), r => `sent ${r.id}`)
})

refresh()
setInterval(refresh, 2000)
