/*
 * Hip mobility screening form.
 *
 * On any page: <div data-screening-form></div> <script src="BASE/embed.js"></script>
 * renders the form into every such element, inside a shadow root so that styles neither
 * leak in nor out. The questions come from BASE/v1/questionnaire, answers go to
 * BASE/v1/screenings; BASE is where this script was loaded from.
 */
(function () {
  "use strict";

  // Running the script again (a page that adds forms later can insert it again) renders
  // only the new elements: mount() skips those that already have a form.
  var script = document.currentScript || document.querySelector('script[src*="embed.js"]');
  if (!script) {
    return;
  }

  function serviceUrl(path) {
    return new URL(path, script.src).href;
  }

  // ---- Words for the codes the service returns (unknown codes fall back to their name).

  var DECISIONS = {
    recommended: {
      title: "Recommended",
      lead: "This drill suits you. Here is how to fit it into your training."
    },
    recommended_with_caution: {
      title: "Recommended, with care",
      lead: "This drill suits you, but read the points to watch before you start."
    },
    assess_first: {
      title: "Check first",
      lead: "It is too early to say. Do the step below first, then answer again."
    },
    not_needed: {
      title: "Not needed",
      lead: "Your hips already turn inward well, so this drill has nothing to fix for you."
    },
    not_recommended: {
      title: "Not recommended",
      lead: "Please do not do this drill for now."
    }
  };
  var VARIANTS = { feet_on_wall: "Feet on a wall", feet_on_floor: "Feet on the floor" };
  var SEVERITIES = { stop: "Stop", warning: "Take care", info: "Good to know" };
  var TEXT = {
    intro: "Answer the questions below to find out whether the lying knee-to-knee hip mobilization " +
      "(lying on your back and gently rocking your knees in and out) suits you.",
    requiredNote: "Questions marked Required need an answer. You can leave the others blank.",
    required: "Required",
    yes: "Yes",
    no: "No",
    range: function (min, max) { return "Enter a whole number from " + min + " to " + max + "."; },
    submit: "See my result",
    sending: "Checking your answers\u2026",
    loading: "Loading the questions\u2026",
    loadFailed: "The questions could not be loaded. Check your internet connection and try again.",
    retry: "Try again",
    answerThis: "Please answer this question.",
    wholeNumber: "Enter a whole number.",
    summary: function (n) { return n === 1 ? "Please check 1 answer:" : "Please check " + n + " answers:"; },
    network: "We could not reach the screening service, so your answers were not sent. " +
      "Check your internet connection and press \u201cSee my result\u201d again. Your answers are still here.",
    busy: function (seconds) {
      return "The screening service is busy. Please try again" +
        (seconds ? " in " + seconds + " seconds." : " in a moment.");
    },
    failed: "Something went wrong on our side and no result was made. Please try again in a moment. Your answers are still here.",
    stale: "You changed an answer. Press \u201cSee my result\u201d to update the result.",
    resultTitle: "Your result",
    refer: "See a physiotherapist, sports doctor or another qualified professional before doing this drill.",
    stopTitle: "Important",
    variantTitle: "Which version",
    alternative: "Alternative: ",
    timingTitle: "When to do it",
    preparationTitle: "Before you start",
    cautionsTitle: "Points to watch",
    reasonsTitle: "Why this result",
    reference: function (id, version) { return "Reference " + id + " \u00b7 rules " + version; },
    disclaimer: "This is a screening aid, not a diagnosis. If something hurts or feels wrong, stop and ask a professional."
  };

  function words(table, code) {
    var known = table[code];
    if (known) {
      return known;
    }
    var text = String(code).replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  // ---- DOM helper: el("p", {class: "x"}, "text", child, ...); attributes set to null are skipped.

  function present(children) {
    return children.flat(Infinity).filter(function (child) { return child !== null && child !== undefined; });
  }

  function put(node, children) {
    node.replaceChildren.apply(node, present(children));
  }

  function el(tag, attributes) {
    var node = document.createElement(tag);
    var name;
    for (name in attributes || {}) {
      if (attributes[name] === null || attributes[name] === undefined || attributes[name] === false) {
        continue;
      }
      if (name === "text") {
        node.textContent = attributes[name];
      } else {
        node.setAttribute(name, attributes[name] === true ? "" : attributes[name]);
      }
    }
    node.append.apply(node, present(Array.prototype.slice.call(arguments, 2)));
    return node;
  }

  // ---- Questions to controls. Each control's name is the question id.

  function optionControl(question, type, value, label) {
    return el("label", { class: "hs-option" },
      el("input", {
        type: type, name: question.id, value: value,
        required: type === "radio" && question.required
      }),
      el("span", { text: label }));
  }

  function questionBlock(question) {
    var helpId = "hs-help-" + question.id;
    var errorId = "hs-error-" + question.id;
    var describedBy = (question.help || question.type === "integer" ? helpId + " " : "") + errorId;
    var required = question.required ? el("span", { class: "hs-required", text: TEXT.required }) : null;
    var help = question.help ? el("span", { text: question.help }) : null;
    if (question.type === "integer") {
      var hint = el("span", { class: "hs-hint", text: TEXT.range(question.minimum, question.maximum) });
      return el("div", { class: "hs-question", id: "hs-q-" + question.id, "data-question": question.id },
        el("label", { class: "hs-label", for: "hs-input-" + question.id },
          el("span", { class: "hs-text", text: question.text }), " ", required),
        el("p", { class: "hs-help", id: helpId }, help, help ? " " : null, hint),
        el("p", { class: "hs-error", id: errorId, hidden: true }),
        el("input", {
          class: "hs-number", id: "hs-input-" + question.id, name: question.id, type: "number",
          inputmode: "numeric", min: question.minimum, max: question.maximum, step: 1,
          required: question.required, "aria-describedby": describedBy
        }));
    }
    var options = el("div", { class: "hs-options" });
    if (question.type === "boolean") {
      options.classList.add("hs-options-inline");
      options.append(optionControl(question, "radio", "true", TEXT.yes),
        optionControl(question, "radio", "false", TEXT.no));
    } else {
      var type = question.type === "multi_choice" ? "checkbox" : "radio";
      question.options.forEach(function (option) {
        options.append(optionControl(question, type, option.value, option.label));
      });
    }
    return el("fieldset", {
      class: "hs-question", id: "hs-q-" + question.id, "data-question": question.id,
      "aria-describedby": describedBy
    },
      el("legend", { class: "hs-label" }, el("span", { class: "hs-text", text: question.text }), " ", required),
      question.help ? el("p", { class: "hs-help", id: helpId }, help) : null,
      el("p", { class: "hs-error", id: errorId, hidden: true }),
      options);
  }

  // ---- Answers as the API takes them; a question left blank is left out (its default applies).

  function readAnswer(form, question) {
    if (question.type === "integer") {
      var input = form.elements.namedItem(question.id);
      if (input.validity.badInput) {
        return { problem: TEXT.wholeNumber };
      }
      return input.value.trim() === "" ? null : { value: Number(input.value) };
    }
    var checked = Array.prototype.filter.call(
      form.querySelectorAll('input[name="' + question.id + '"]'), function (box) { return box.checked; });
    if (question.type === "multi_choice") {
      return checked.length ? { value: checked.map(function (box) { return box.value; }) } : null;
    }
    if (!checked.length) {
      return null;
    }
    return { value: question.type === "boolean" ? checked[0].value === "true" : checked[0].value };
  }

  function readAnswers(form, questions) {
    var answers = {};
    questions.forEach(function (question) {
      var answer = readAnswer(form, question);
      if (answer && "value" in answer) {
        answers[question.id] = answer.value;
      }
    });
    return answers;
  }

  // ---- Which questions are shown: decided here and nowhere else.
  // Today: each question's show_if against the answers so far (a question depending on a
  // hidden one stays hidden). To ask only what matters, this can return the ids of
  // POST /v1/screenings/preview's next_questions plus the questions already answered;
  // refresh() accepts a Promise of the ids as well as the ids themselves.

  function decideVisible(questions, answers) {
    var shown = new Set();
    questions.forEach(function (question) {
      var conditions = Object.entries(question.show_if || {});
      var applies = conditions.every(function (condition) {
        var id = condition[0];
        return shown.has(id) && Object.prototype.hasOwnProperty.call(answers, id) &&
          condition[1].indexOf(answers[id]) !== -1;
      });
      if (applies) {
        shown.add(question.id);
      }
    });
    return shown;
  }

  function refresh(form) {
    var turn = ++form.turn;
    var answers = readAnswers(form.node, form.questions);
    return Promise.resolve(decideVisible(form.questions, answers)).then(function (shown) {
      if (turn !== form.turn) {
        return; // a later change has decided already
      }
      form.shown = new Set(shown);
      form.questions.forEach(function (question) {
        form.blocks[question.id].hidden = !form.shown.has(question.id);
      });
    });
  }

  // ---- Errors beside their fields, and a summary that links to them.

  function clearErrors(form) {
    form.summary.hidden = true;
    form.summary.replaceChildren();
    form.notice.hidden = true;
    form.notice.textContent = "";
    form.questions.forEach(function (question) {
      var block = form.blocks[question.id];
      block.classList.remove("hs-invalid");
      block.querySelector(".hs-error").hidden = true;
      block.querySelectorAll("input").forEach(function (input) { input.removeAttribute("aria-invalid"); });
    });
  }

  function showErrors(form, errors) {
    var list = el("ul");
    var other = [];
    Object.keys(errors).forEach(function (id) {
      var block = form.blocks[id];
      var question = form.questions.filter(function (q) { return q.id === id; })[0];
      var messages = errors[id].join(" ");
      if (!block || block.hidden) {
        // Not a field on screen (the body as a whole, or a question this form does not show).
        other.push(id === "_body" ? messages : (question ? question.text : id) + " " + messages);
        return;
      }
      var error = block.querySelector(".hs-error");
      error.textContent = messages;
      error.hidden = false;
      block.classList.add("hs-invalid");
      block.querySelectorAll("input").forEach(function (input) { input.setAttribute("aria-invalid", "true"); });
      var link = el("a", { href: "#" + block.id, text: question.text });
      link.addEventListener("click", function (event) {
        event.preventDefault();
        block.querySelector("input").focus();
      });
      list.append(el("li", null, link, " " + messages));
    });
    other.forEach(function (message) { list.append(el("li", { text: message })); });
    put(form.summary, [el("h2", { class: "hs-summary-title", text: TEXT.summary(list.children.length) }), list]);
    form.summary.hidden = false;
    form.summary.focus();
  }

  function showNotice(form, message) {
    form.notice.textContent = message;
    form.notice.hidden = false;
  }

  // ---- The result, in words.

  function section(title, items) {
    if (!items.length) {
      return null;
    }
    return el("div", { class: "hs-part" }, el("h3", { text: title }), el("ul", null, items));
  }

  function showResult(form, screening) {
    var decision = DECISIONS[screening.decision] || { title: words({}, screening.decision), lead: null };
    var stops = screening.cautions.filter(function (c) { return c.severity === "stop"; });
    var others = screening.cautions.filter(function (c) { return c.severity !== "stop"; });
    // A referral is said once, among the stop signs, in the service's words when it has them.
    var referral = screening.preparation.filter(function (p) { return p.code === "see_professional"; })[0];
    var preparation = screening.preparation.filter(function (p) { return !screening.refer || p !== referral; });
    var variant = screening.variant;
    var item = function (text) { return el("li", null, text); };
    put(form.result, [
      el("h2", { id: "hs-result-title", tabindex: "-1", text: TEXT.resultTitle + ": " + decision.title }),
      decision.lead ? el("p", { class: "hs-lead", text: decision.lead }) : null,
      stops.length || screening.refer ? el("div", { class: "hs-stop" },
        el("h3", { text: TEXT.stopTitle }),
        el("ul", null,
          screening.refer ? el("li", { class: "hs-referral" }, referral ? referral.text : TEXT.refer) : null,
          stops.map(function (c) { return item(c.text); }))) : null,
      variant ? el("div", { class: "hs-part" }, el("h3", { text: TEXT.variantTitle }),
        el("p", null, el("strong", { text: words(VARIANTS, variant.code) + ". " }), variant.reason),
        variant.alternative ? el("p", { class: "hs-alternative" },
          TEXT.alternative, el("strong", { text: words(VARIANTS, variant.alternative) })) : null) : null,
      section(TEXT.timingTitle, screening.timing.map(function (t) {
        return el("li", { "data-timing": t.code }, t.note);
      })),
      section(TEXT.preparationTitle, preparation.map(function (p) { return item(p.text); })),
      section(TEXT.cautionsTitle, others.map(function (c) {
        return el("li", { "data-severity": c.severity },
          el("strong", { text: words(SEVERITIES, c.severity) + ": " }), c.text);
      })),
      section(TEXT.reasonsTitle, screening.rationale.map(function (r) { return item(r.text); })),
      el("p", { class: "hs-meta", text: TEXT.reference(screening.id, screening.rules_version) })
    ]);
    form.result.setAttribute("data-decision", screening.decision);
    form.stale.hidden = true;
    form.result.querySelector("h2").focus();
  }

  // ---- Sending.

  function retryAfter(response) {
    var seconds = parseInt(response.headers.get("Retry-After") || "", 10);
    return seconds > 0 ? seconds : null;
  }

  function checkLocally(form) {
    var errors = {};
    form.questions.forEach(function (question) {
      if (!form.shown.has(question.id)) {
        return;
      }
      var answer = readAnswer(form.node, question);
      if (answer && answer.problem) {
        errors[question.id] = [answer.problem];
      } else if (!answer && question.required) {
        errors[question.id] = [TEXT.answerThis];
      }
    });
    return errors;
  }

  function submit(form) {
    if (form.sending) {
      return Promise.resolve();
    }
    clearErrors(form);
    var problems = checkLocally(form);
    if (Object.keys(problems).length) {
      showErrors(form, problems);
      return Promise.resolve();
    }
    var answers = readAnswers(form.node, form.questions);
    Object.keys(answers).forEach(function (id) {
      if (!form.shown.has(id)) {
        delete answers[id]; // answers to hidden questions stay in the form but are not sent
      }
    });
    form.sending = true;
    form.node.setAttribute("aria-busy", "true");
    form.button.textContent = TEXT.sending;
    return fetch(serviceUrl("v1/screenings"), {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(answers)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.ok && body) {
          showResult(form, body);
        } else if (response.status === 422 && body && body.errors) {
          showErrors(form, body.errors);
        } else if (response.status === 429 || response.status === 503) {
          showNotice(form, TEXT.busy(retryAfter(response)));
        } else {
          showNotice(form, TEXT.failed);
        }
      });
    }, function () {
      showNotice(form, TEXT.network);
    }).then(function () {
      form.sending = false;
      form.node.removeAttribute("aria-busy");
      form.button.textContent = TEXT.submit;
    });
  }

  // ---- Building one form.

  function buildForm(container, questionnaire) {
    var node = el("form", { class: "hs-form", novalidate: true, "aria-label": "Hip mobility questions" });
    var form = {
      node: node,
      questions: questionnaire.questions,
      blocks: {},
      shown: new Set(),
      turn: 0,
      sending: false,
      summary: el("div", { class: "hs-summary", role: "alert", tabindex: "-1", hidden: true }),
      notice: el("p", { class: "hs-notice", role: "alert", hidden: true }),
      button: el("button", { class: "hs-submit", type: "submit", text: TEXT.submit }),
      stale: el("p", { class: "hs-stale", hidden: true, text: TEXT.stale }),
      // Present (and empty) from the start: a live region must exist before it is filled.
      result: el("section", { class: "hs-result", role: "status", "aria-live": "polite", "data-decision": "" })
    };
    node.append(form.summary);
    form.questions.forEach(function (question) {
      form.blocks[question.id] = questionBlock(question);
      node.append(form.blocks[question.id]);
    });
    node.append(el("div", { class: "hs-actions" }, form.button, form.notice, form.stale));
    node.addEventListener("change", function () {
      refresh(form);
      if (form.result.hasChildNodes()) {
        form.stale.hidden = false;
      }
    });
    node.addEventListener("input", function () { refresh(form); });
    node.addEventListener("submit", function (event) {
      event.preventDefault();
      submit(form);
    });
    put(container, [
      el("p", { class: "hs-intro", text: TEXT.intro }),
      el("p", { class: "hs-intro hs-required-note", text: TEXT.requiredNote }),
      node, form.result,
      el("p", { class: "hs-disclaimer", text: TEXT.disclaimer })
    ]);
    return refresh(form);
  }

  var questionnaire = null;

  function loadQuestionnaire() {
    if (!questionnaire) {
      questionnaire = fetch(serviceUrl("v1/questionnaire"), { credentials: "omit" }).then(function (response) {
        if (!response.ok) {
          throw new Error("questionnaire: HTTP " + response.status);
        }
        return response.json();
      });
      questionnaire.catch(function () { questionnaire = null; }); // the next try fetches again
    }
    return questionnaire;
  }

  function stylesLoaded(root) {
    var link = el("link", { rel: "stylesheet", href: serviceUrl("embed.css") });
    var loaded = new Promise(function (resolve) {
      link.addEventListener("load", resolve);
      link.addEventListener("error", resolve); // unstyled beats missing
    });
    root.append(link);
    return loaded;
  }

  function show(container, styled) {
    var status = el("p", { class: "hs-loading", role: "status", text: TEXT.loading });
    container.replaceChildren(status);
    return Promise.all([loadQuestionnaire(), styled]).then(function (results) {
      return buildForm(container, results[0]);
    }, function () {
      var retry = el("button", { class: "hs-submit", type: "button", text: TEXT.retry });
      retry.addEventListener("click", function () { show(container, styled); });
      status.textContent = TEXT.loadFailed;
      container.append(retry);
    });
  }

  function mount(host) {
    if (host.shadowRoot) {
      return;
    }
    var root = host.attachShadow({ mode: "open" });
    var container = el("div", { class: "hs", lang: "en" });
    var styled = stylesLoaded(root);
    root.append(container);
    show(container, styled);
  }

  function mountAll() {
    document.querySelectorAll("[data-screening-form]").forEach(mount);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
}());
