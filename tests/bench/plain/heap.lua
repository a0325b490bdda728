-- heap.lua — a binary min-heap in one array: push 30,000 pseudo-random
-- ints (Park-Miller), pop them all checking the order; 24 rounds.
local heap, size = {}, 0
local function push(v)
  local i = size
  size = size + 1
  heap[i + 1] = v
  while i > 0 do
    local p = math.floor((i - 1) / 2)
    if heap[p + 1] <= v then break end
    heap[i + 1] = heap[p + 1]
    i = p
  end
  heap[i + 1] = v
end
local function pop()
  local top = heap[1]
  size = size - 1
  local v = heap[size + 1]
  local i = 0
  while true do
    local c = 2 * i + 1
    if c >= size then break end
    if c + 1 < size and heap[c + 2] < heap[c + 1] then c = c + 1 end
    if v <= heap[c + 1] then break end
    heap[i + 1] = heap[c + 1]
    i = c
  end
  heap[i + 1] = v
  return top
end
local x, check, bad = 42, 0, 0
for round = 1, 24 do
  for i = 1, 30000 do
    x = (x * 16807) % 2147483647
    push(x % 300000)
  end
  local last = -1
  for i = 1, 30000 do
    local v = pop()
    if v < last then bad = bad + 1 end
    last = v
    check = (check + v * (i % 7)) % 300003
  end
end
print(check)
print(bad)
