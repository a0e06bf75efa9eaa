-- Headless Neovim end-to-end check of clients/neovim against the real server.
--
-- Run by tests/e2e/test_neovim.py as
--   nvim --headless -u NONE -i NONE -n -c "luafile tests/e2e/neovim/run.lua" -c "cquit 3"
-- and driven by environment variables:
--   SLIMSTAGE_NVIM_RTP       folder to add to 'runtimepath' (clients/neovim)
--   SLIMSTAGE_NVIM_CMD       server command, a JSON list
--   SLIMSTAGE_NVIM_SETTINGS  slimstage settings, a JSON object
--   SLIMSTAGE_NVIM_FILE      the Dockerfile to open (a temporary copy)
--   SLIMSTAGE_NVIM_CODE      the rule whose quick fix is applied (SLIM101)
--   SLIMSTAGE_NVIM_RESULTS   where the JSON results go
--   SLIMSTAGE_NVIM_TIMEOUT   milliseconds one step may wait (default 20000)
--   SLIMSTAGE_NVIM_MODE      "setup": require("slimstage").setup() (Neovim 0.7+, default);
--                            "enable": lsp/slimstage.lua alone, through vim.lsp.config and
--                            vim.lsp.enable (Neovim 0.11+), converting with :LspSlimstageConvert
-- Every step records { ok, detail } and never raises; the script always writes the
-- results and quits with :qa!, so a broken server fails assertions instead of hanging.

local env = vim.env
local results = { steps = {}, order = {}, events = {}, nvim = tostring(vim.version().major) .. "." .. tostring(vim.version().minor) .. "." .. tostring(vim.version().patch) }
local step_timeout = tonumber(env.SLIMSTAGE_NVIM_TIMEOUT or "") or 20000
local quickfix_code = env.SLIMSTAGE_NVIM_CODE or "SLIM101"
local finished = false
local mode = env.SLIMSTAGE_NVIM_MODE or "setup"
results.mode = mode

local function event(kind, data)
  table.insert(results.events, { kind = kind, data = data, t = vim.loop.now() })
end

local function write_results()
  local ok, encoded = pcall(vim.fn.json_encode, results)
  if not ok then
    encoded = vim.fn.json_encode({ steps = results.steps, order = results.order, encode_error = tostring(encoded) })
  end
  local f = io.open(env.SLIMSTAGE_NVIM_RESULTS, "w")
  if f then
    f:write(encoded)
    f:close()
  end
end

local get_clients = vim.lsp.get_clients or vim.lsp.get_active_clients

local function finish()
  if finished then
    return
  end
  finished = true
  write_results()
  pcall(function()
    for _, client in pairs(get_clients()) do
      vim.lsp.stop_client(client.id)
    end
    vim.wait(1500, function()
      return next(get_clients()) == nil
    end, 50)
  end)
  vim.cmd("qa!")
end

-- Last resort: whatever happens, leave. Steps wait at most step_timeout each.
vim.defer_fn(function()
  results.watchdog = true
  finish()
end, step_timeout * 6.5)

--- Run one step; `fn` returns ok, detail (or raises). Failures are recorded, not raised.
local function step(name, fn)
  table.insert(results.order, name)
  local started = vim.loop.now()
  local ok, passed, detail = xpcall(fn, debug.traceback)
  if not ok then
    passed, detail = false, "error: " .. tostring(passed)
  end
  results.steps[name] = { ok = passed and true or false, detail = detail, ms = vim.loop.now() - started }
  write_results() -- partial results survive a crash in a later step
  return passed
end

local function wait_for(cond, timeout)
  return vim.wait(timeout or step_timeout, cond, 20)
end

-- client.request_sync: a method the server lacks fails at once instead of timing out.
local colon_calls = vim.fn.has("nvim-0.11") == 1

local function request_sync(client, method, params, bufnr)
  local response, err
  if colon_calls then
    response, err = client:request_sync(method, params, step_timeout, bufnr)
  else
    response, err = client.request_sync(method, params, step_timeout, bufnr)
  end
  if not response then
    return nil, method .. " got no answer: " .. tostring(err)
  end
  if response.err then
    return nil, method .. " failed: " .. (response.err.message or vim.inspect(response.err))
  end
  return response.result
end

local function buffer_text(bufnr)
  return table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n")
end

local function from_lines(bufnr)
  local found = {}
  for i, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if line:match("^%s*[Ff][Rr][Oo][Mm]%s") then
      table.insert(found, { line = i - 1, text = line })
    end
  end
  return found
end

local function codes_of(diagnostics)
  local codes = {}
  for _, d in ipairs(diagnostics or {}) do
    if d.source == "slimstage" then
      table.insert(codes, tostring(d.code))
    end
  end
  return codes
end

local function find_diagnostic(diagnostics, code)
  for _, d in ipairs(diagnostics or {}) do
    if d.source == "slimstage" and tostring(d.code) == code then
      return d
    end
  end
  return nil
end

-- Raw LSP traffic seen by the handlers below.
local published = {} -- every publishDiagnostics for our file, in order
local messages = {} -- window/showMessage
local applied = {} -- workspace/applyEdit results

local function wrap(method, record)
  return function(err, result, ctx, config)
    record(result, ctx)
    local default = vim.lsp.handlers[method]
    if default then
      return default(err, result, ctx, config)
    end
  end
end

local target_uri = vim.uri_from_fname(vim.fn.fnamemodify(env.SLIMSTAGE_NVIM_FILE, ":p"))

local handlers = {
  ["textDocument/publishDiagnostics"] = wrap("textDocument/publishDiagnostics", function(result)
    if result and result.uri == target_uri then
      table.insert(published, result)
      event("publishDiagnostics", { version = result.version, codes = codes_of(result.diagnostics) })
    end
  end),
  ["window/showMessage"] = wrap("window/showMessage", function(result)
    table.insert(messages, result)
    event("showMessage", result)
  end),
}
-- applyEdit must return the default handler's answer to the server.
handlers["workspace/applyEdit"] = function(err, result, ctx, config)
  local answer = vim.lsp.handlers["workspace/applyEdit"](err, result, ctx, config)
  table.insert(applied, { label = result and result.label, answer = answer })
  event("applyEdit", { label = result and result.label, answer = answer })
  return answer
end

local bufnr, client

--- The LSP Diagnostic for `code`: from the last push, else the copy Neovim 0.10+ keeps in
--- user_data.lsp for pulled diagnostics (0.7 keeps only some fields there).
local function lsp_diagnostic(code)
  local last = published[#published]
  local pushed = last and find_diagnostic(last.diagnostics, code)
  if pushed then
    return pushed
  end
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = d.user_data and d.user_data.lsp
    if d.source == "slimstage" and tostring(d.code) == code and lsp and lsp.range then
      return lsp
    end
  end
  return nil
end

local function run()
  vim.opt.runtimepath:prepend(env.SLIMSTAGE_NVIM_RTP)
  vim.cmd("filetype on") -- -u NONE leaves filetype detection off
  vim.lsp.set_log_level("warn")
  results.lsp_log = vim.lsp.get_log_path()

  local function find_client(buf)
    if mode == "enable" then
      return vim.lsp.get_clients({ bufnr = buf, name = "slimstage" })[1]
    end
    return require("slimstage").get_client(buf)
  end

  step("setup", function()
    if mode == "enable" then
      -- Only the native config: the plugin module is never required on this path.
      vim.lsp.config("slimstage", {
        cmd = vim.fn.json_decode(env.SLIMSTAGE_NVIM_CMD),
        settings = { slimstage = vim.fn.json_decode(env.SLIMSTAGE_NVIM_SETTINGS or "{}") },
        handlers = handlers,
      })
      vim.lsp.enable("slimstage")
      results.enabled = vim.lsp.is_enabled and vim.lsp.is_enabled("slimstage") or nil
      return true, "vim.lsp.enable with lsp/slimstage.lua"
    end
    local slimstage = require("slimstage")
    slimstage.setup({
      cmd = vim.fn.json_decode(env.SLIMSTAGE_NVIM_CMD),
      settings = vim.fn.json_decode(env.SLIMSTAGE_NVIM_SETTINGS or "{}"),
      handlers = handlers,
    })
    return true, "native vim.lsp.start: " .. tostring(type(vim.lsp.start) == "function")
  end)

  step("attach", function()
    vim.cmd("edit " .. vim.fn.fnameescape(env.SLIMSTAGE_NVIM_FILE))
    bufnr = vim.api.nvim_get_current_buf()
    results.filetype = vim.bo[bufnr].filetype
    results.text_initial = buffer_text(bufnr)
    local attached = wait_for(function()
      client = find_client(bufnr)
      return client ~= nil and client.initialized == true
    end)
    if not attached then
      return false, "no initialized slimstage client on the buffer (filetype=" .. results.filetype .. ")"
    end
    local caps = client.server_capabilities or {}
    results.server_capabilities = {
      codeAction = caps.codeActionProvider ~= nil,
      hover = caps.hoverProvider ~= nil,
      executeCommand = caps.executeCommandProvider,
    }
    return true, "client " .. client.id .. " (" .. client.name .. ")"
  end)
  if not client then
    return
  end

  local target
  -- Neovim 0.7 only receives pushed diagnostics; 0.10+ pulls them (textDocument/diagnostic)
  -- when the server offers both. vim.diagnostic holds them either way.
  step("diagnostics", function()
    local arrived = wait_for(function()
      return find_diagnostic(vim.diagnostic.get(bufnr), quickfix_code) ~= nil
    end)
    local in_neovim = codes_of(vim.diagnostic.get(bufnr))
    results.codes_in_vim_diagnostic = in_neovim
    results.diagnostics_published = #published
    if not arrived then
      local last = published[#published]
      return false, "no " .. quickfix_code .. " after " .. step_timeout .. " ms; codes in Neovim: "
        .. vim.inspect(in_neovim) .. "; last published: " .. vim.inspect(last and codes_of(last.diagnostics) or "none")
    end
    target = lsp_diagnostic(quickfix_code)
    results.diagnostic_target = target
    if not target then
      return false, quickfix_code .. " is shown but its LSP form was neither published nor kept"
    end
    return true, table.concat(in_neovim, ",")
  end)

  step("quickfix", function()
    if not target then
      return false, "skipped: no " .. quickfix_code .. " diagnostic"
    end
    if not results.server_capabilities.codeAction then
      return false, "the server advertises no codeActionProvider"
    end
    local actions, err = request_sync(client, "textDocument/codeAction", {
      textDocument = { uri = target_uri },
      range = target.range,
      context = { diagnostics = { target }, only = { "quickfix" } },
    }, bufnr)
    if err then
      return false, err
    end
    actions = actions ~= vim.NIL and actions or {}
    results.quickfix_titles = vim.tbl_map(function(a)
      return a.title
    end, actions)
    local chosen
    for _, action in ipairs(actions) do
      local fixes = false
      for _, d in ipairs(action.diagnostics or {}) do
        fixes = fixes or tostring(d.code) == quickfix_code
      end
      if action.kind == "quickfix" and (fixes or chosen == nil) then
        chosen = action
        if fixes then
          break
        end
      end
    end
    if not chosen then
      return false, "no quickfix action among " .. vim.inspect(results.quickfix_titles)
    end
    results.quickfix_title = chosen.title
    if not chosen.edit and chosen.data then
      chosen = request_sync(client, "codeAction/resolve", chosen, bufnr) or chosen
    end
    if not chosen.edit then
      return false, "the quick fix carries no WorkspaceEdit: " .. vim.inspect(chosen)
    end
    local before = buffer_text(bufnr)
    vim.lsp.util.apply_workspace_edit(chosen.edit, "utf-16")
    results.text_after_fix = buffer_text(bufnr)
    if results.text_after_fix == before then
      return false, "applying the edit did not change the buffer"
    end
    local cleared = wait_for(function()
      return find_diagnostic(vim.diagnostic.get(bufnr), quickfix_code) == nil
    end)
    results.codes_after_fix = codes_of(vim.diagnostic.get(bufnr))
    if not cleared then
      return false, quickfix_code .. " still reported after the fix: " .. vim.inspect(results.codes_after_fix)
    end
    return true, chosen.title
  end)

  step("convert", function()
    if mode == "enable" then
      local seen = #applied
      local ok, err = pcall(vim.cmd, "LspSlimstageConvert")
      if not ok then
        return false, ":LspSlimstageConvert failed: " .. tostring(err)
      end
      wait_for(function()
        return #applied > seen and #from_lines(bufnr) >= 2
      end, step_timeout * 2)
      results.messages = messages
      results.text_final = buffer_text(bufnr)
      if #applied == seen then
        return false, "the server sent no workspace/applyEdit; messages: " .. vim.inspect(messages)
      end
      local froms = from_lines(bufnr)
      if #froms < 2 then
        return false, "buffer is not multi-stage after the edit: " .. #froms .. " FROM line(s)"
      end
      wait_for(function()
        return #messages > 0
      end, 5000)
      return true, #froms .. " stages via :LspSlimstageConvert; " .. #messages .. " message(s)"
    end
    local done, outcome = false, nil
    local seen_edits = #applied
    require("slimstage").convert(bufnr, function(err, info)
      outcome = { err = err, info = info }
      done = true
    end)
    local returned = wait_for(function()
      return done
    end, step_timeout * 2)
    results.convert_outcome = outcome
    results.messages = messages
    if not returned then
      return false, "workspace/executeCommand did not return in " .. step_timeout * 2 .. " ms"
    end
    if outcome.err then
      return false, "error: " .. (outcome.err.message or vim.inspect(outcome.err))
    end
    local action = outcome.info and outcome.info.action or {}
    if action.kind ~= "refactor.rewrite" then
      return false, "conversion action has kind " .. tostring(action.kind)
    end
    local command = type(action.command) == "table" and action.command or {}
    local argument = (command.arguments or {})[1] or {}
    if command.command ~= "slimstage.server.convert" or argument.uri ~= target_uri or type(argument.version) ~= "number" then
      return false, "unexpected conversion command: " .. vim.inspect(command)
    end
    -- The server may send applyEdit just before or just after answering the command.
    wait_for(function()
      return #applied > seen_edits and #from_lines(bufnr) >= 2
    end, 5000)
    results.text_final = buffer_text(bufnr)
    local froms = from_lines(bufnr)
    if #applied == seen_edits then
      return false, "the server sent no workspace/applyEdit; messages: " .. vim.inspect(messages)
    end
    if #froms < 2 then
      return false, "buffer is not multi-stage after the edit: " .. #froms .. " FROM line(s)"
    end
    return true, #froms .. " stages; " .. #messages .. " message(s)"
  end)

  step("hover", function()
    local froms = from_lines(bufnr)
    local from = froms[1]
    if not from then
      return false, "no FROM line in the buffer"
    end
    local image_col = (from.text:find("%S", 5) or 6) - 1 -- on the image reference
    if not results.server_capabilities.hover then
      return false, "the server advertises no hoverProvider"
    end
    local hover, err = request_sync(client, "textDocument/hover", {
      textDocument = { uri = target_uri },
      position = { line = from.line, character = image_col },
    }, bufnr)
    if err then
      return false, err
    end
    if not hover or hover == vim.NIL then
      return false, "no hover on line " .. from.line .. ": " .. from.text
    end
    local contents = hover.contents
    local text = type(contents) == "string" and contents
      or (contents.value or table.concat(vim.tbl_map(function(c)
        return type(c) == "string" and c or c.value or ""
      end, contents), "\n"))
    results.hover = text
    results.hover_line = from.text
    local stage_name = from.text:match("[Aa][Ss]%s+([%w%._-]+)%s*$")
    local lower = text:lower()
    if stage_name and not lower:find(stage_name:lower(), 1, true) then
      return false, "hover does not name stage '" .. stage_name .. "'"
    end
    if not lower:find("stage", 1, true) then
      return false, "hover does not mention the stage"
    end
    return true, (stage_name and ("names stage " .. stage_name)) or "mentions the stage"
  end)
end

local ok, err = xpcall(run, debug.traceback)
if not ok then
  results.error = tostring(err)
end
finish()
