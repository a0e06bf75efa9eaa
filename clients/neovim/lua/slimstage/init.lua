--- slimstage for Neovim's built-in LSP client.
---
--- require("slimstage").setup({ ... }) starts `slimstage serve` for dockerfile buffers:
--- with vim.lsp.start on Neovim 0.8+, with vim.lsp.start_client + buf_attach_client on
--- 0.7. It maps no keys; the LSP features (diagnostics, hover, code actions) work through
--- whatever LSP mappings you already have, and convert() / :SlimstageConvert run the
--- "Convert to multi-stage build" action directly.

local M = {}

M.CONVERT_TITLE = "Convert to multi-stage build"
M.CONVERT_COMMAND = "slimstage.server.convert"

M.defaults = {
  -- How to run the server; use { "/path/to/python", "-m", "slimstage", "serve" } for a venv.
  cmd = { "slimstage", "serve" },
  -- Extra environment for the server process (merged into Neovim's own), e.g. the API key.
  cmd_env = nil,
  filetypes = { "dockerfile" },
  -- The first folder upwards holding one of these is the workspace root; else the file's folder.
  root_markers = { ".slimstage.toml", "pyproject.toml", ".git" },
  -- The `slimstage` settings (camelCase or snake_case), e.g. { targetBase = "alpine" }.
  -- Sent as initializationOptions and as the `slimstage` configuration section.
  settings = {},
  name = "slimstage",
  capabilities = nil,
  handlers = nil,
  on_attach = nil,
  on_init = nil,
  flags = nil,
  -- Define :SlimstageConvert and :SlimstageRestart (commands, not key mappings).
  user_commands = true,
}

local config = nil
-- 0.7 path only: one client per root folder, so buffers of one project share a server.
local clients_by_root = {}

local function has_native_start()
  return type(vim.lsp.start) == "function"
end

-- Client methods are called with ":" from 0.11 on ("." still works, with a warning).
local colon_calls = vim.fn.has("nvim-0.11") == 1

local function call(client, method, ...)
  if colon_calls then
    return client[method](client, ...)
  end
  return client[method](...)
end

local function buffer_clients(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr })
  end
  return vim.lsp.buf_get_clients(bufnr)
end

local function all_clients()
  if vim.lsp.get_clients then
    return vim.lsp.get_clients()
  end
  return vim.lsp.get_active_clients()
end

local function notify(msg, level)
  vim.notify("slimstage: " .. msg, level or vim.log.levels.INFO)
end

--- An empty Lua table would go over the wire as a JSON array; settings must be an object.
local function as_object(tbl)
  if tbl == nil or next(tbl) == nil then
    return vim.empty_dict()
  end
  return tbl
end

local function is_dir(path)
  local stat = vim.loop.fs_stat(path)
  return stat ~= nil and stat.type == "directory"
end

local function exists(path)
  return vim.loop.fs_stat(path) ~= nil
end

--- The nearest folder above `path` holding a root marker (0.7 has no vim.fs).
function M.root_dir(path, markers)
  local start = vim.fn.fnamemodify(path, ":p:h")
  local dir = start
  while dir and dir ~= "" do
    for _, marker in ipairs(markers or config.root_markers) do
      if exists(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      break
    end
    dir = parent
  end
  return start
end

--- The slimstage client attached to `bufnr` (0 or nil: current buffer), if any.
function M.get_client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  for _, client in pairs(buffer_clients(bufnr)) do
    if client.name == config.name then
      return client
    end
  end
  return nil
end

local function client_config(root)
  local settings = as_object(config.settings)
  return {
    name = config.name,
    cmd = config.cmd,
    cmd_env = config.cmd_env,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    init_options = settings,
    settings = { [config.name] = settings },
    capabilities = config.capabilities,
    handlers = config.handlers,
    flags = config.flags,
    on_attach = config.on_attach,
    on_init = function(client, result)
      -- Neovim up to 0.9 sends no configuration after initialize; the server wants it.
      call(client, "notify", "workspace/didChangeConfiguration", { settings = client.config.settings })
      if config.on_init then
        config.on_init(client, result)
      end
    end,
  }
end

local function start_legacy(bufnr, root)
  local id = clients_by_root[root]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or call(client, "is_stopped") then
    id = vim.lsp.start_client(client_config(root))
    if not id then
      notify("could not start " .. table.concat(config.cmd, " "), vim.log.levels.ERROR)
      return nil
    end
    clients_by_root[root] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

local function start_native(bufnr, root)
  local id
  -- 0.8's vim.lsp.start attaches the current buffer and has no bufnr option.
  vim.api.nvim_buf_call(bufnr, function()
    id = vim.lsp.start(client_config(root), { bufnr = bufnr })
  end)
  return id
end

--- Start (or reuse) the server for `bufnr` and attach it. Returns the client id.
function M.attach(bufnr)
  assert(config, "call require('slimstage').setup() first")
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local path = vim.api.nvim_buf_get_name(bufnr)
  if path == "" or vim.bo[bufnr].buftype ~= "" then
    return nil -- the server needs a file: URI
  end
  if vim.fn.executable(config.cmd[1]) ~= 1 then
    notify(config.cmd[1] .. " is not executable; set cmd in setup()", vim.log.levels.ERROR)
    return nil
  end
  local root = M.root_dir(path)
  if not is_dir(root) then
    root = vim.fn.getcwd()
  end
  if has_native_start() then
    return start_native(bufnr, root)
  end
  return start_legacy(bufnr, root)
end

local function whole_buffer_range(bufnr)
  return {
    start = { line = 0, character = 0 },
    ["end"] = { line = vim.api.nvim_buf_line_count(bufnr), character = 0 },
  }
end

--- Fetch the edit of a code action that the server leaves to codeAction/resolve.
local function resolved(client, action, bufnr, callback)
  if action.edit or action.command or not action.data then
    return callback(nil, action)
  end
  call(client, "request", "codeAction/resolve", action, function(err, full)
    callback(err, full or action)
  end, bufnr)
end

--- Run "Convert to multi-stage build" on `bufnr`. The server answers with a
--- workspace/applyEdit (applied by Neovim's own handler) and a showMessage.
--- `on_done(err, { action = ..., result = ... })` is called when the command returns.
function M.convert(bufnr, on_done)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  on_done = on_done or function(err)
    if err then
      notify("conversion failed: " .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    end
  end
  local client = M.get_client(bufnr)
  if not client then
    return on_done({ message = "slimstage is not attached to this buffer" })
  end
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = whole_buffer_range(bufnr),
    context = { diagnostics = {}, only = { "refactor.rewrite" } },
  }
  call(client, "request", "textDocument/codeAction", params, function(err, actions)
    if err then
      return on_done(err)
    end
    local found
    for _, action in ipairs(actions or {}) do
      local command = type(action.command) == "table" and action.command.command or action.command
      if action.title == M.CONVERT_TITLE or command == M.CONVERT_COMMAND then
        found = action
        break
      end
    end
    if not found then
      return on_done({ message = "the server offered no conversion for this file" })
    end
    resolved(client, found, bufnr, function(rerr, action)
      if rerr then
        return on_done(rerr)
      end
      if action.edit then
        vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding or "utf-16")
      end
      local command = type(action.command) == "table" and action.command or action
      if type(command.command) ~= "string" then
        return on_done(nil, { action = action })
      end
      call(client, "request", "workspace/executeCommand", {
        command = command.command,
        arguments = command.arguments,
      }, function(xerr, result)
        on_done(xerr, { action = action, result = result })
      end, bufnr)
    end)
  end, bufnr)
end

--- Stop every slimstage client and start them again for the buffers they served.
function M.restart()
  local buffers = {}
  for _, client in pairs(all_clients()) do
    if client.name == config.name then
      for bufnr in pairs(client.attached_buffers or {}) do
        buffers[bufnr] = true
      end
      call(client, "stop")
    end
  end
  clients_by_root = {}
  vim.wait(2000, function()
    for _, client in pairs(all_clients()) do
      if client.name == config.name then
        return false
      end
    end
    return true
  end, 50)
  for bufnr in pairs(buffers) do
    if vim.api.nvim_buf_is_valid(bufnr) then
      M.attach(bufnr)
    end
  end
end

local function define_user_commands()
  vim.api.nvim_create_user_command("SlimstageConvert", function()
    M.convert(0)
  end, { desc = "slimstage: convert this Dockerfile to a multi-stage build" })
  vim.api.nvim_create_user_command("SlimstageRestart", function()
    M.restart()
  end, { desc = "slimstage: restart the language server" })
end

--- Configure slimstage and start it for every dockerfile buffer, now and later.
function M.setup(opts)
  config = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  -- tbl_deep_extend merges lists by index; a shorter cmd must replace, not overlay.
  if opts and opts.cmd then
    config.cmd = opts.cmd
  end
  if opts and opts.filetypes then
    config.filetypes = opts.filetypes
  end
  if opts and opts.root_markers then
    config.root_markers = opts.root_markers
  end
  if config.user_commands then
    define_user_commands()
  end
  local group = vim.api.nvim_create_augroup("slimstage", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = config.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  -- Buffers already open when setup() runs.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(config.filetypes, vim.bo[bufnr].filetype) then
      M.attach(bufnr)
    end
  end
  return M
end

--- The resolved configuration (after setup()).
function M.config()
  return config
end

return M
