-- sieve.lua — sieve of Eratosthenes below 2,000,000 in one array, 10 rounds.
local N = 2000000
local count = 0
for _ = 1, 10 do
  local composite = {}
  for i = 1, N do composite[i] = false end
  local i = 2
  while i * i < N do
    if not composite[i] then
      for j = i * i, N - 1, i do composite[j] = true end
    end
    i = i + 1
  end
  count = 0
  for k = 2, N - 1 do
    if not composite[k] then count = count + 1 end
  end
end
print(count)
