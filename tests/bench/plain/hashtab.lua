-- hashtab.lua — an open-addressing hash table (linear probing) in one array
-- of 2 * 65536 slots, keys and values interleaved; insert 40,000 keys, look
-- up each and as many missing ones, clear; 48 rounds.
local SIZE = 65536
local t = {}
local found, sum = 0, 0
for round = 0, 47 do
  for i = 0, 2 * SIZE - 1 do t[i + 1] = false end
  for i = 1, 40000 do
    local k = (i * 7919 + round) % 1000003 + 1
    local h = (k * 40503) % SIZE
    while t[2 * h + 1] and t[2 * h + 1] ~= k do h = (h + 1) % SIZE end
    t[2 * h + 1] = k
    t[2 * h + 2] = i
  end
  for i = 1, 80000 do
    local k = (i * 7919 + round) % 1000003 + 1
    local h = (k * 40503) % SIZE
    while t[2 * h + 1] do
      if t[2 * h + 1] == k then
        found = found + 1
        sum = (sum + t[2 * h + 2]) % 1000003
        break
      end
      h = (h + 1) % SIZE
    end
  end
end
print(found)
print(sum)
