-- fifo.lua — a FIFO queue as a linked list of two-field records, driven
-- through small functions: 4,000,000 enqueues, and a dequeue whenever the
-- queue holds more than 100 items.
local function new_queue() return {head = nil, tail = nil, size = 0} end
local function enqueue(q, v)
  local node = {value = v, next = nil}
  if q.tail then q.tail.next = node else q.head = node end
  q.tail = node
  q.size = q.size + 1
end
local function dequeue(q)
  local node = q.head
  q.head = node.next
  if not q.head then q.tail = nil end
  q.size = q.size - 1
  return node.value
end
local function step(q, i)
  enqueue(q, i % 1000)
  if q.size > 100 then return dequeue(q) end
  return 0
end
local q = new_queue()
local sum = 0
for i = 0, 3999999 do sum = sum + step(q, i) end
while q.size > 0 do sum = sum + dequeue(q) end
print(sum)
