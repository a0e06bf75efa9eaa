;;; emacs_run.el --- batch Emacs + eglot drives slimstage end to end  -*- lexical-binding: t -*-

;; Run by tests/e2e/test_emacs.py as
;;   emacs --batch -q -l tests/e2e/neovim/emacs_run.el
;; with the same environment variables as run.lua, prefixed SLIMSTAGE_EMACS_ (CMD,
;; SETTINGS, FILE, CODE, RESULTS, TIMEOUT). It configures eglot exactly as the Emacs
;; snippet of docs/editors.md does, then: diagnostics, the quick fix, the conversion,
;; hover. Results go to a JSON file; Emacs always exits.

(require 'eglot)
(require 'json)
(require 'subr-x)

(defvar slimstage-e2e-steps nil "Plist of step name -> (:ok BOOL :detail STRING).")
(defvar slimstage-e2e-order nil)
(defvar slimstage-e2e-extra nil "Other recorded values, a plist.")
(defvar slimstage-e2e-published nil "publishDiagnostics for our file, newest first.")
(defvar slimstage-e2e-messages nil)
(defvar slimstage-e2e-applied 0)

(defconst slimstage-e2e-timeout
  (/ (string-to-number (or (getenv "SLIMSTAGE_EMACS_TIMEOUT") "20000")) 1000.0))
(defconst slimstage-e2e-code (or (getenv "SLIMSTAGE_EMACS_CODE") "SLIM101"))

(defun slimstage-e2e-json (name default)
  (json-parse-string (or (getenv name) default)
                     :object-type 'plist :array-type 'list
                     :null-object nil :false-object :json-false))

(defun slimstage-e2e-record (key value)
  (setq slimstage-e2e-extra (plist-put slimstage-e2e-extra key value)))

(defun slimstage-e2e-write ()
  (let ((steps nil))
    (dolist (name (reverse slimstage-e2e-order))
      (let ((s (plist-get slimstage-e2e-steps (intern (concat ":" name)))))
        (push (cons (intern name)
                    (list (cons 'ok (if (plist-get s :ok) t :json-false))
                          (cons 'detail (format "%s" (plist-get s :detail)))))
              steps)))
    (with-temp-file (getenv "SLIMSTAGE_EMACS_RESULTS")
      (insert (json-encode
               `((steps . ,(nreverse steps))
                 (order . ,(vconcat (reverse slimstage-e2e-order)))
                 (emacs . ,emacs-version)
                 (eglot . ,(if (boundp 'eglot-version) eglot-version "?"))
                 ,@(cl-loop for (k v) on slimstage-e2e-extra by #'cddr
                            collect (cons (intern (substring (symbol-name k) 1))
                                          (format "%s" v)))))))))

(defun slimstage-e2e-finish (code)
  (ignore-errors (slimstage-e2e-write))
  (ignore-errors (eglot-shutdown-all))
  (kill-emacs code))

;; Never hang: leave after six and a half step timeouts whatever is going on.
(run-with-timer (* 6.5 slimstage-e2e-timeout) nil
                (lambda ()
                  (slimstage-e2e-record :watchdog "fired")
                  (slimstage-e2e-finish 3)))

(defmacro slimstage-e2e-step (name &rest body)
  "Run BODY, which returns (OK . DETAIL); record it under NAME and never signal."
  (declare (indent 1))
  `(let ((outcome (condition-case err (progn ,@body)
                    (error (cons nil (format "error: %S" err))))))
     (push ,name slimstage-e2e-order)
     (setq slimstage-e2e-steps
           (plist-put slimstage-e2e-steps (intern (concat ":" ,name))
                      (list :ok (car outcome) :detail (cdr outcome))))
     (slimstage-e2e-write)
     (car outcome)))

(defun slimstage-e2e-wait (pred &optional seconds)
  (let ((deadline (+ (float-time) (or seconds slimstage-e2e-timeout))))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (funcall pred)))

(defun slimstage-e2e-find (diagnostics code)
  (cl-find-if (lambda (d) (and (equal (plist-get d :source) "slimstage")
                               (equal (format "%s" (plist-get d :code)) code)))
              diagnostics))

(defun slimstage-e2e-codes (diagnostics)
  (mapconcat (lambda (d) (format "%s" (plist-get d :code))) diagnostics ","))

(defun slimstage-e2e-from-lines ()
  (save-excursion
    (goto-char (point-min))
    (let (found)
      (while (re-search-forward "^[ \t]*[Ff][Rr][Oo][Mm][ \t]" nil t)
        (push (cons (1- (line-number-at-pos)) (thing-at-point 'line t)) found))
      (nreverse found))))

;; Watch the traffic eglot handles, without changing how it handles it.
(advice-add 'eglot-handle-notification :before
            (lambda (_server method &rest params)
              (pcase method
                ('textDocument/publishDiagnostics
                 (push (append (plist-get params :diagnostics) nil) slimstage-e2e-published))
                ('window/showMessage
                 (push (plist-get params :message) slimstage-e2e-messages)))))
(advice-add 'eglot-handle-request :after
            (lambda (_server method &rest _params)
              (when (eq method 'workspace/applyEdit)
                (setq slimstage-e2e-applied (1+ slimstage-e2e-applied)))))

;; --- the docs/editors.md configuration, with the command and settings of this run ---
(unless (fboundp 'dockerfile-mode)     ; dockerfile-mode is not in Debian; a stand-in
  (define-derived-mode dockerfile-mode prog-mode "Dockerfile"))
(add-to-list 'auto-mode-alist '("\\(?:\\`\\|/\\)\\(?:Dockerfile\\|Containerfile\\)\\(?:\\.[^/]*\\)?\\'" . dockerfile-mode))
(let ((cmd (slimstage-e2e-json "SLIMSTAGE_EMACS_CMD" "[\"slimstage\", \"serve\"]"))
      (settings (slimstage-e2e-json "SLIMSTAGE_EMACS_SETTINGS" "{}")))
  (add-to-list 'eglot-server-programs
               `(dockerfile-mode . (,@cmd :initializationOptions ,settings)))
  (setq-default eglot-workspace-configuration `(:slimstage ,settings)))
;; A batch Emacs cannot answer the "Server wants to edit" prompt of the conversion.
(setq eglot-confirm-server-initiated-edits nil)
(setq jsonrpc-default-request-timeout (* 2 slimstage-e2e-timeout))

(defvar slimstage-e2e-server nil)
(defvar slimstage-e2e-target nil)

(defun slimstage-e2e-run ()
  (find-file (getenv "SLIMSTAGE_EMACS_FILE"))
  (slimstage-e2e-record :mode major-mode)

  (slimstage-e2e-step "attach"
    (eglot-ensure)
    (run-hooks 'post-command-hook)    ; eglot-ensure connects after the next command
    (if (slimstage-e2e-wait (lambda () (and eglot--managed-mode
                                            (setq slimstage-e2e-server (eglot-current-server)))))
        (cons t (format "%s" (plist-get (eglot--server-info slimstage-e2e-server) :name)))
      (cons nil "eglot did not manage the buffer")))

  (when slimstage-e2e-server
    (slimstage-e2e-step "diagnostics"
      (if (slimstage-e2e-wait (lambda () (slimstage-e2e-find (car slimstage-e2e-published)
                                                             slimstage-e2e-code)))
          (progn (setq slimstage-e2e-target (slimstage-e2e-find (car slimstage-e2e-published)
                                                                slimstage-e2e-code))
                 (cons t (slimstage-e2e-codes (car slimstage-e2e-published))))
        (cons nil (format "no %s; last codes: %s" slimstage-e2e-code
                          (slimstage-e2e-codes (car slimstage-e2e-published))))))

    (slimstage-e2e-step "quickfix"
      (if (not slimstage-e2e-target)
          (cons nil "skipped: no diagnostic")
        (let* ((actions (jsonrpc-request
                         slimstage-e2e-server :textDocument/codeAction
                         (list :textDocument (eglot--TextDocumentIdentifier)
                               :range (plist-get slimstage-e2e-target :range)
                               :context (list :diagnostics (vector slimstage-e2e-target)
                                              :only ["quickfix"]))))
               (action (cl-find-if (lambda (a) (equal (plist-get a :kind) "quickfix"))
                                   actions))
               (before (buffer-string))
               (seen (length slimstage-e2e-published)))
          (when (and action (not (plist-get action :edit)) (plist-get action :data))
            (setq action (jsonrpc-request slimstage-e2e-server :codeAction/resolve action)))
          (cond
           ((not action) (cons nil "no quickfix action"))
           ((not (plist-get action :edit)) (cons nil "the quick fix has no edit"))
           (t
            (eglot--apply-workspace-edit (plist-get action :edit))
            ;; eglot sends didChange from an idle timer, which batch mode never runs.
            (eglot--signal-textDocument/didChange)
            (slimstage-e2e-record :text_after_fix (buffer-string))
            (cond
             ((equal before (buffer-string)) (cons nil "the edit changed nothing"))
             ((not (slimstage-e2e-wait
                    (lambda () (and (> (length slimstage-e2e-published) seen)
                                    (not (slimstage-e2e-find (car slimstage-e2e-published)
                                                             slimstage-e2e-code))))))
              (cons nil (format "still reported: %s"
                                (slimstage-e2e-codes (car slimstage-e2e-published)))))
             (t (cons t (plist-get action :title)))))))))

    (slimstage-e2e-step "convert"
      (let* ((actions (eglot-code-actions (point-min) (point-max) "refactor.rewrite"))
             (action (cl-find-if (lambda (a) (equal (plist-get a :title)
                                                    "Convert to multi-stage build"))
                                 actions))
             (command (and action (plist-get action :command))))
        (cond
         ((not action) (cons nil (format "no conversion among %d action(s)" (length actions))))
         ((not command) (cons nil "the conversion action carries no command"))
         (t
          (eglot-execute-command slimstage-e2e-server (intern (plist-get command :command))
                                 (plist-get command :arguments))
          (slimstage-e2e-wait (lambda () (and (> slimstage-e2e-applied 0)
                                              (>= (length (slimstage-e2e-from-lines)) 2)))
                              5)
          (slimstage-e2e-record :text_final (buffer-string))
          (slimstage-e2e-record :messages (string-join (reverse slimstage-e2e-messages) "\n"))
          (let ((stages (length (slimstage-e2e-from-lines))))
            (if (and (> slimstage-e2e-applied 0) (>= stages 2))
                (cons t (format "%d stages" stages))
              (cons nil (format "%d applyEdit, %d FROM line(s)" slimstage-e2e-applied stages))))))))

    (slimstage-e2e-step "hover"
      (eglot--signal-textDocument/didChange)
      (let* ((from (car (slimstage-e2e-from-lines)))
             (line (cdr from))
             (hover (and from
                         (jsonrpc-request
                          slimstage-e2e-server :textDocument/hover
                          (list :textDocument (eglot--TextDocumentIdentifier)
                                :position (list :line (car from)
                                                :character (or (string-match "[^ \t]" line 5) 5))))))
             (contents (plist-get hover :contents))
             (text (cond ((stringp contents) contents)
                         ((plist-get contents :value))
                         (t (format "%s" contents))))
             (stage (and line (string-match "[Aa][Ss][ \t]+\\([[:alnum:]._-]+\\)[ \t\n]*\\'" line)
                         (match-string 1 line))))
        (slimstage-e2e-record :hover text)
        (cond
         ((not hover) (cons nil "no hover on the first FROM line"))
         ((and stage (not (string-match-p (regexp-quote (downcase stage)) (downcase text))))
          (cons nil (format "hover does not name stage %s" stage)))
         ((not (string-match-p "stage" (downcase text))) (cons nil "hover does not mention the stage"))
         (t (cons t (or stage "mentions the stage"))))))))

(condition-case err
    (slimstage-e2e-run)
  (error (slimstage-e2e-record :error (format "%S" err))))
(slimstage-e2e-finish 0)

;;; emacs_run.el ends here
