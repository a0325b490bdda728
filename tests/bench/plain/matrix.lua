-- matrix.lua — multiply 80x80 int matrices stored as rows of records,
-- keeping each entry to 16 bits; 32 rounds.
local N = 80
local function new_matrix(seed)
  local m = {}
  for i = 1, N do
    local row = {}
    for j = 1, N do row[j] = ((i - 1) * (j - 1) + seed) % 100 end
    m[i] = row
  end
  return m
end
local a, b, c = new_matrix(1), new_matrix(7), new_matrix(0)
local check = 0
for round = 1, 32 do
  for i = 1, N do
    for j = 1, N do
      local s = 0
      for k = 1, N do
        s = s + a[i][k] * b[k][j]
      end
      c[i][j] = s % 65536
    end
  end
  for i = 1, N do
    for j = 1, N do
      check = (check + c[i][j] * i) % 1000003
    end
  end
  a, c = c, a
end
print(check)
