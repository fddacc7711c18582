// The cluster view: draws each snapshot the server streams (server-sent events, /events), and,
// when the launcher started the cluster, sends the broker buttons' actions back to it.
'use strict';

const token = document.querySelector('meta[name="dashboard-token"]').content;
const drawn = new Map();

/** Sets a section's HTML only when it changed, so that buttons are not replaced under a click. */
function put(id, html) {
  if (drawn.get(id) === html) return;
  drawn.set(id, html);
  document.getElementById(id).innerHTML = html;
}

function esc(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function clock(time) {
  const date = new Date(time);
  const two = (n) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${Math.floor(date.getMilliseconds() / 100)}`;
}

const STATUS = { alive: 'ALIVE', dead: 'DEAD', fenced: 'FENCED', paused: 'PAUSED' };

function brokerCard(broker, snapshot) {
  const down = broker.status === 'dead';
  const buttons = snapshot.capabilities.control
    ? `<div class="buttons">
        <button class="danger" data-action="kill" data-broker="${broker.id}" ${down ? 'disabled' : ''}>kill -9</button>
        ${broker.status === 'paused'
          ? `<button data-action="resume" data-broker="${broker.id}">resume</button>`
          : `<button data-action="pause" data-broker="${broker.id}" ${down ? 'disabled' : ''}>pause</button>`}
        <button data-action="restart" data-broker="${broker.id}">${down ? 'start' : 'restart'}</button>
      </div>`
    : '';
  const leads = snapshot.topics.reduce((n, topic) => n + topic.partitions.filter((p) => p.leader === broker.id).length, 0);
  return `<div class="card" data-broker="${broker.id}" data-status="${broker.status}" title="${esc(broker.detail)}">
    <div class="title">Broker ${broker.id} <span class="status">${STATUS[broker.status]}</span></div>
    <div class="where">${esc(broker.host)}:${broker.port}${broker.pid ? ` · pid ${broker.pid}` : ''} · leads ${leads}</div>
    ${buttons}
  </div>`;
}

function controllerCard(controller) {
  const status = controller.status === 'alive' ? 'alive' : controller.status;
  return `<div class="card" data-controller="${controller.id}" data-status="${status}" title="${esc(controller.detail)}">
    <div class="title">Controller <span class="status">${STATUS[status]}</span> <span class="badge">KRaft</span></div>
    <div class="where">${esc(controller.host)}:${controller.port}${controller.pid ? ` · pid ${controller.pid}` : ''}</div>
  </div>`;
}

function replicaBar(replica, partition, scale) {
  const leo = replica.logEndOffset;
  const width = leo === null || scale === 0 ? 0 : Math.min(100, (100 * leo) / scale);
  const hw = partition.highWatermark === null || scale === 0 ? null : Math.min(100, (100 * partition.highWatermark) / scale);
  const label = replica.reachable ? (leo === null ? '?' : leo) : '—';
  return `<span class="replica" data-replica="${replica.id}" data-isr="${replica.inIsr}" data-reachable="${replica.reachable}" title="broker ${replica.id}: log end offset ${label}${replica.inIsr ? ', in the ISR' : ', out of the ISR'}">
    <span class="id">${replica.leader ? '★' : ''}${replica.id}</span>
    <span class="bar"><span class="fill" style="width:${width}%"></span>${hw === null ? '' : `<span class="hw" style="left:${hw}%"></span>`}</span>
    <span class="leo">${label}</span>
  </span>`;
}

function topicTable(topic, snapshot) {
  const epochs = topic.partitions.some((partition) => partition.leaderEpoch !== null);
  const rows = topic.partitions
    .map((partition) => {
      const scale = Math.max(1, partition.highWatermark ?? 0, ...partition.replicas.map((r) => r.logEndOffset ?? 0));
      return `<tr data-partition="${esc(topic.name)}-${partition.partition}" data-leader="${partition.leader}" data-isr="${partition.isr.join(',')}">
        <td class="num">${partition.partition}</td>
        <td class="leader">${partition.leader < 0 ? 'none' : partition.leader}</td>
        ${epochs ? `<td class="num">${partition.leaderEpoch ?? '?'}</td>` : ''}
        <td class="num">${partition.isr.join(',') || '∅'}</td>
        <td class="num">${partition.highWatermark ?? '?'}</td>
        <td><div class="replicas">${partition.replicas.map((replica) => replicaBar(replica, partition, scale)).join('')}</div></td>
      </tr>`;
    })
    .join('');
  return `<h2>Topic ${esc(topic.name)}</h2>
    <table><thead><tr><th>P</th><th>Leader</th>${epochs ? '<th>Epoch</th>' : ''}<th>ISR</th><th>HW</th><th>Replicas: log end offset vs HW</th></tr></thead>
    <tbody>${rows}</tbody></table>`;
}

function groupBox(group) {
  const totalLag = group.offsets.reduce((sum, entry) => sum + (entry.lag ?? 0), 0);
  const unknown = group.offsets.some((entry) => entry.lag === null);
  const members = group.members.length === 0
    ? `<div class="member">no members${group.offsets.length ? ': its offsets are kept for the next to join' : ''}</div>`
    : group.members.map((member) => `<div class="member" data-member="${esc(member.memberId)}">${esc(member.memberId.slice(0, 28))}: ${member.partitions.map(esc).join(', ') || '—'}</div>`).join('');
  const offsets = group.offsets
    .map((entry) => `<tr data-offset="${esc(entry.topic)}-${entry.partition}"><td>${esc(entry.topic)}-${entry.partition}</td><td class="num">${entry.committed}</td><td class="num">${entry.end ?? '?'}</td><td class="num lag" data-zero="${entry.lag === 0}">${entry.lag ?? '?'}</td></tr>`)
    .join('');
  return `<div class="group" data-group="${esc(group.groupId)}" data-state="${esc(group.state)}" data-lag="${unknown ? '' : totalLag}">
    <div class="head">Group ${esc(group.groupId)} · ${esc(group.state)}</div>
    <div class="facts">generation ${group.generationId ?? 'n/a'} · ${esc(group.protocolName || 'no assignor')} · coordinator ${group.coordinator ?? '?'} · total lag <span class="lag" data-zero="${totalLag === 0 && !unknown}">${unknown ? '?' : totalLag}</span></div>
    ${members}
    ${offsets ? `<table><thead><tr><th>Partition</th><th>Committed</th><th>HW</th><th>Lag</th></tr></thead><tbody>${offsets}</tbody></table>` : ''}
  </div>`;
}

function render({ snapshot, events }) {
  if (!snapshot) return;
  document.getElementById('step').textContent = `step ${snapshot.step} · ${snapshot.source}`;
  const cards = [...(snapshot.controller ? [controllerCard(snapshot.controller)] : []), ...snapshot.brokers.map((broker) => brokerCard(broker, snapshot))];
  put('brokers', cards.join(''));
  put('topics', snapshot.topics.length === 0 ? '<h2>No topics yet</h2>' : snapshot.topics.map((topic) => topicTable(topic, snapshot)).join('') + '<p class="legend">★ leader · bar: log end offset · <span class="hwkey"></span> high watermark · struck out: not in the ISR · — : broker not answering</p>');
  put('groups', snapshot.capabilities.groups ? (snapshot.groups.length === 0 ? '<h2>No consumer groups yet</h2>' : `<h2>Consumer groups</h2>${snapshot.groups.map(groupBox).join('')}`) : '');
  put('timeline', [...events].reverse().slice(0, 14).map((event) => `<li data-kind="${event.kind}" data-down="${/ is gone| is fenced| has no leader|kill -9/.test(event.text)}"><time>${clock(event.time)}</time><span>${esc(event.text)}</span></li>`).join(''));
  put('notes', snapshot.notes.map((note) => `<p>${esc(note)}</p>`).join('') + (snapshot.problems.length ? `<p>Last poll: ${esc(snapshot.problems.slice(0, 2).join('; '))}</p>` : ''));
  const stream = document.getElementById('stream');
  stream.dataset.state = 'live';
  stream.textContent = `live · ${clock(snapshot.time)}`;
}

document.addEventListener('click', async (event) => {
  const button = event.target.closest('button[data-action]');
  if (!button || !token) return;
  button.disabled = true;
  try {
    const response = await fetch(`/brokers/${button.dataset.broker}/${button.dataset.action}`, { method: 'POST', headers: { 'X-Dashboard-Token': token } });
    if (!response.ok) alert(await response.text());
  } finally {
    button.disabled = false;
  }
});

const source = new EventSource('/events');
source.addEventListener('state', (event) => render(JSON.parse(event.data)));
source.addEventListener('error', () => {
  const stream = document.getElementById('stream');
  stream.dataset.state = 'lost';
  stream.textContent = 'no connection to the dashboard server: retrying';
});
