---@brief
---
--- https://github.com/slimstage/slimstage
---
--- slimstage, a language server for Dockerfiles: multi-stage-build pitfalls as you type
--- (layer order, copying too much, toolchains shipped, caches, root user, BuildKit's
--- build checks), stage explanations on hover, quick fixes, and "Convert to multi-stage
--- build".
---
--- Install the server with `pipx install slimstage` (or `uv tool install slimstage`).
---
--- Settings go in the `slimstage` section (camelCase or snake_case keys); see
--- docs/configuration.md. For example:
---
--- ```lua
--- vim.lsp.config('slimstage', {
---   settings = { slimstage = { targetBase = 'distroless', rules = { ignore = { 'SLIM404' } } } },
--- })
--- vim.lsp.enable('slimstage')
--- ```
---
--- `:LspSlimstageConvert` rewrites the current buffer into a multi-stage build (Claude when
--- `ANTHROPIC_API_KEY` is set in the server's environment, the offline planner otherwise).

local convert_command = 'slimstage.server.convert'

--- Ask the server for its conversion action on the whole buffer and run it. The server
--- answers with a versioned workspace/applyEdit, which Neovim's own handler applies.
local function convert(client, bufnr)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = {
      start = { line = 0, character = 0 },
      ['end'] = { line = vim.api.nvim_buf_line_count(bufnr), character = 0 },
    },
    context = { diagnostics = {}, only = { 'refactor.rewrite' } },
  }
  client:request('textDocument/codeAction', params, function(err, actions)
    if err then
      vim.notify('slimstage: ' .. err.message, vim.log.levels.ERROR)
      return
    end
    for _, action in ipairs(actions or {}) do
      local command = type(action.command) == 'table' and action.command or nil
      if command and command.command == convert_command then
        client:exec_cmd(command, { bufnr = bufnr })
        return
      end
    end
    vim.notify('slimstage: no conversion is offered for this file', vim.log.levels.WARN)
  end, bufnr)
end

---@type vim.lsp.Config
return {
  cmd = { 'slimstage', 'serve' },
  filetypes = { 'dockerfile' },
  root_markers = { '.slimstage.toml', 'pyproject.toml', '.git' },
  settings = { slimstage = {} },
  -- The server also reads its settings from initializationOptions; send the same table.
  before_init = function(params, config)
    local settings = (config.settings or {}).slimstage or {}
    -- An empty Lua table would be encoded as a JSON array.
    params.initializationOptions = next(settings) and settings or vim.empty_dict()
  end,
  on_attach = function(client, bufnr)
    vim.api.nvim_buf_create_user_command(bufnr, 'LspSlimstageConvert', function()
      convert(client, bufnr)
    end, { desc = 'slimstage: convert this Dockerfile to a multi-stage build' })
  end,
}
