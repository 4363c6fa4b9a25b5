/*
 * Hip mobility screening form.
 *
 * On any page: <div data-screening-form></div> <script src="BASE/embed.js"></script>
 * renders the form into every such element, inside a shadow root so that styles neither
 * leak in nor out. The questions come from BASE/v1/questionnaire, answers go to
 * BASE/v1/screenings; BASE is where this script was loaded from.
 *
 * The form asks only what matters: after each answer it sends the answers so far to
 * BASE/v1/screenings/preview and shows the questions answered plus those the preview says
 * can still change the decision. Once the decision is settled it asks only the required
 * questions the result still depends on and, for a recommendation, the optional ones that
 * change how to do the drill (wall, timing), then offers the result. If the athlete asks for it,
 * every question the preview shows (its shown_questions: the form never reads show_if) is on
 * screen, as a plain form; if the preview cannot be had, every question is. Either way the
 * questions that ask the athlete to move wait until nothing answered before them rules moving
 * out (the preview's ready_to_move), and once the answers rule the drill out both forms ask
 * only what the result still needs.
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

  // How long the form waits after a change before asking which questions still matter: a
  // click is a finished answer, typing needs a pause, and either way a burst (arrow keys
  // running through radios) asks once.
  var CLICK_DELAY_MS = 100;
  var TYPING_DELAY_MS = 350;

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
  // The preparation steps that are the referral itself (refer_urgency routine, urgent).
  var REFERRALS = ["see_professional", "see_doctor_promptly"];
  var TEXT = {
    intro: "Answer the questions below to find out whether the lying knee-to-knee hip mobilization " +
      "(lying on your back and gently rocking your knees in and out) suits you.",
    requiredNote: "Questions marked Required need an answer. You can leave the others blank.",
    showAll: "Show all questions",
    showAllHelp: "Otherwise we ask only the questions that can still change your result, " +
      "so questions appear and disappear as you answer.",
    none: "None of these",
    ready: "You have answered enough for a result. Press \u201cSee my result\u201d to see it.",
    // No count: answering one of them must not repeat the message.
    nearly: "Your result is nearly ready: please answer the open questions marked Required.",
    details: "Your result is nearly ready: the questions still open change how to do the drill. You can answer them or see your result now.",
    changed: function (added, removed) {
      var parts = [];
      if (added) {
        parts.push(added === 1 ? "1 question was added" : added + " questions were added");
      }
      if (removed) {
        parts.push(removed === 1 ? "1 question is no longer needed" : removed + " questions are no longer needed");
      }
      return parts.length ? parts.join(" and ") + "." : "";
    },
    allShown: "All questions are shown.",
    previewFailed: "All questions are shown, because we could not check which ones matter. Your answers are kept.",
    assumedTitle: function (n) { return "Questions left unanswered: answers we assumed (" + n + ")"; },
    assumedNote: "They could not change the decision, so this result takes the usual answer for each. " +
      "If one is different for you, tick \u201cShow all questions\u201d, answer it and see your result again.",
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
    // When the service gives no referral text of its own, by refer_urgency.
    refer: {
      routine: "See a physiotherapist, sports doctor or another qualified professional before doing this drill.",
      urgent: "See a doctor soon, in the next day or two, and do not do this drill until then."
    },
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
      if (question.type === "multi_choice") {
        // Empty boxes mean "not answered yet"; this one says "none" (an empty list) outright.
        options.append(el("label", { class: "hs-option" },
          el("input", { type: "checkbox", class: "hs-none", "data-none-of": question.id }),
          el("span", { text: TEXT.none })));
      }
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
      var none = form.querySelector('input[data-none-of="' + question.id + '"]');
      if (none && none.checked) {
        return { value: [] };
      }
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

  // "None of these" and the other boxes of a question exclude each other.
  function keepNoneExclusive(form, box) {
    var id = box.getAttribute("data-none-of");
    if (id && box.checked) {
      form.querySelectorAll('input[name="' + id + '"]').forEach(function (other) { other.checked = false; });
    } else if (box.type === "checkbox" && box.checked) {
      var none = form.querySelector('input[data-none-of="' + box.name + '"]');
      if (none) {
        none.checked = false;
      }
    }
  }

  // ---- Talking to the service.

  function postJson(path, body, extraHeaders) {
    return fetch(serviceUrl(path), {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: Object.assign({ "Content-Type": "application/json", "Accept": "application/json" }, extraHeaders),
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (json) {
        return { response: response, body: json };
      });
    });
  }

  // The preview of some answers, with `key` naming the answers it judged. Answers the service
  // rejects are left out (the same 422 shows beside them when the form is sent); anything
  // else that is not a preview rejects, and the form falls back to showing every question.
  function askPreview(answers) {
    return postJson("v1/screenings/preview", answers).then(function (reply) {
      var body = reply.body;
      if (reply.response.ok && body && Array.isArray(body.next_questions) && Array.isArray(body.screening_needs)) {
        return { key: JSON.stringify(answers), body: body };
      }
      var rejected = reply.response.status === 422 && body && body.errors ? Object.keys(body.errors) : [];
      if (rejected.length && rejected.every(function (id) { return id in answers; })) {
        var valid = Object.keys(answers).filter(function (id) { return rejected.indexOf(id) === -1; });
        return askPreview(only(answers, new Set(valid))); // ends: each round drops a field
      }
      throw new Error("preview: HTTP " + reply.response.status);
    });
  }

  // Every form on a page starts from the same preview of no answers.
  var start = null;

  function loadStart() {
    if (!start) {
      start = askPreview({});
      start.catch(function () { start = null; });
    }
    return start;
  }

  // ---- Which questions are shown: the service decides (the preview's shown_questions), the form shows.

  // The questions the preview shows, less those that ask the athlete to move while something
  // answered before them may still rule moving out (one already answered is no longer asked:
  // it stays, as its answer may be what rules the drill out).
  function serviceShown(form, body) {
    var answered = answeredIds(form);
    return new Set(body.shown_questions.filter(function (id) {
      return body.ready_to_move || !form.moving.has(id) || answered.has(id);
    }));
  }

  function ruledOut(preview) {
    return Boolean(preview && preview.body.settled && preview.body.decision === "not_recommended");
  }

  function only(answers, ids) {
    var kept = {};
    Object.keys(answers).forEach(function (id) {
      if (ids.has(id)) {
        kept[id] = answers[id];
      }
    });
    return kept;
  }

  // Questions with anything in them, a number the browser cannot read included.
  function answeredIds(form) {
    return new Set(form.questions.filter(function (question) {
      return readAnswer(form.node, question) !== null;
    }).map(function (question) { return question.id; }));
  }

  function allIds(form) {
    return new Set(form.questions.map(function (question) { return question.id; }));
  }

  // The preview of the answers to exactly the questions it shows (a hidden answer stays in the
  // form but is not judged): asked with the answers to the questions shown so far, then, while
  // the answers it judged are not the answered questions it shows, with those. Each round gets
  // one more link of a show_if chain right, so it ends; usually the first request is exact.
  function askShown(form, answers) {
    var kept = Object.assign({}, answers);
    var attempt = function (ids, rounds) {
      var sent = only(kept, ids);
      return askPreview(sent).then(function (preview) {
        var judged = JSON.parse(preview.key);
        Object.keys(sent).forEach(function (id) {
          if (!(id in judged)) {
            delete kept[id]; // refused by the service: left out from here on
          }
        });
        var shown = serviceShown(form, preview.body);
        var wanted = Object.keys(kept).filter(function (id) { return shown.has(id); });
        var exact = wanted.length === Object.keys(judged).length && wanted.every(function (id) { return id in judged; });
        return exact || !rounds ? preview : attempt(shown, rounds - 1);
      });
    };
    return attempt(form.applies, form.questions.length);
  }

  // Of the questions the service shows: those answered, those the preview says can still change
  // the decision, once it is settled those the result still needs or that change its details,
  // and those the athlete was asked to answer when sending.
  function fromPreview(form, preview) {
    var body = preview.body;
    var asking = form.adaptive ? body.next_questions : [];
    var wanted = new Set(asking.concat(body.settled ? stillNeeded(body) : []));
    var answered = answeredIds(form);
    var applies = serviceShown(form, body);
    waitingToMove(form, body, wanted, answered).forEach(function (id) { wanted.add(id); });
    var shown = new Set(Array.from(applies).filter(function (id) {
      return answered.has(id) || wanted.has(id) || form.asked.has(id);
    }));
    return { applies: applies, shown: shown, preview: preview };
  }

  // When all that is left to ask are questions that ask the athlete to move, and the preview
  // holds them back (ready_to_move), the shown required questions before them are what it waits
  // for (as the API defines ready_to_move): ask those, or the form would stop with nothing to answer.
  function waitingToMove(form, body, wanted, answered) {
    var shown = new Set(body.shown_questions);
    var open = Array.from(wanted).filter(function (id) { return shown.has(id) && !answered.has(id); });
    if (body.ready_to_move || !open.length || open.some(function (id) { return !form.moving.has(id); })) {
      return [];
    }
    var first = form.questions.findIndex(function (question) { return form.moving.has(question.id); });
    return form.questions.slice(0, first).filter(function (question) {
      return question.required && shown.has(question.id) && !answered.has(question.id);
    }).map(function (question) { return question.id; });
  }

  // Resolves to the questions the service shows, those to show, and the preview they follow
  // (null on the plain form, which shows every question the service shows).
  function decideVisible(form, answers) {
    return askShown(form, answers).then(function (preview) {
      if (form.adaptive || ruledOut(preview)) {
        return fromPreview(form, preview);
      }
      var applies = serviceShown(form, preview.body);
      return { applies: applies, shown: applies, preview: null };
    });
  }

  // The block holding the keyboard focus stays on screen even when it is no longer needed,
  // until focus leaves it: hiding it would throw a keyboard user back to the top.
  function render(form) {
    var active = form.node.getRootNode().activeElement;
    var holding = active && form.node.contains(active) ? active.closest("[data-question]") : null;
    var id = holding ? holding.getAttribute("data-question") : null;
    form.lingering = id && !form.decided.has(id) ? id : null;
    form.shown = new Set(form.decided);
    if (form.lingering) {
      form.shown.add(form.lingering);
    }
    form.questions.forEach(function (question) {
      form.blocks[question.id].hidden = !form.shown.has(question.id);
    });
  }

  // One polite message, changed only when there is news: the result is ready or nearly so,
  // or questions came or went (answering one never moves or hides it).
  function say(form, message, kind) {
    if (form.progress.textContent !== message) {
      form.progress.textContent = message;
    }
    form.progress.className = "hs-progress" + (kind && message ? " hs-progress-" + kind : "");
  }

  function stillNeeded(body) {
    return body.screening_needs.concat(body.detail_questions || []);
  }

  function announce(form, before) {
    var body = form.preview.body;
    if (body.settled && !stillNeeded(body).length) {
      say(form, TEXT.ready, "ready");
    } else if (body.settled && !body.screening_needs.length) {
      say(form, TEXT.details, "ready");
    } else if (body.settled) {
      say(form, TEXT.nearly, "ready");
    } else {
      var added = Array.from(form.shown).filter(function (id) { return !before.has(id); }).length;
      var removed = Array.from(before).filter(function (id) { return !form.shown.has(id); }).length;
      say(form, TEXT.changed(added, removed), null);
    }
  }

  function apply(form, decision, quiet) {
    var before = form.shown;
    form.applies = decision.applies;
    form.decided = new Set(decision.shown);
    form.preview = decision.preview;
    render(form);
    if ((form.adaptive || decision.preview) && !quiet) {
      announce(form, before);
    }
    form.node.setAttribute("data-questions", form.adaptive ? "current" : "all");
  }

  // Without the service's word every question is shown, rather than hiding one that may apply.
  function fallBack(form, message) {
    var all = allIds(form);
    form.adaptive = false;
    form.showAll.checked = true;
    form.failed = true;
    apply(form, { applies: all, shown: all, preview: null }, true);
    say(form, message, "notice");
  }

  // A decision counts only if no answer changed since it was asked for.
  function refresh(form) {
    clearTimeout(form.timer);
    form.timer = null;
    var turn = ++form.turn;
    form.node.setAttribute("data-questions", "updating"); // the plain form too: answers may rule questions out
    form.pending = decideVisible(form, readAnswers(form.node, form.questions)).then(function (decision) {
      if (turn === form.turn) {
        apply(form, decision, false);
        if (form.failed && !form.adaptive) {
          say(form, TEXT.allShown, null); // the service answers again
        }
        form.failed = false;
      }
    }, function () {
      if (turn === form.turn) {
        fallBack(form, TEXT.previewFailed); // answers as they are
      }
    });
    return form.pending;
  }

  // Both forms ask again on every change: any answer may rule moving, or the drill, out.
  function schedule(form, delay) {
    form.turn++;
    form.node.setAttribute("data-questions", "updating");
    clearTimeout(form.timer);
    form.timer = setTimeout(function () { refresh(form); }, delay);
  }

  // Resolves once the questions on screen follow the answers as they are now.
  function upToDate(form) {
    if (form.timer) {
      refresh(form);
    }
    var turn = form.turn;
    return form.pending.then(function () {
      return turn === form.turn && !form.timer ? null : upToDate(form);
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

  function answerInWords(question, value) {
    var label = function (code) {
      var option = (question.options || []).filter(function (o) { return o.value === code; })[0];
      return option ? option.label : words({}, code);
    };
    if (question.type === "boolean") {
      return value ? TEXT.yes : TEXT.no;
    }
    if (Array.isArray(value)) {
      return value.length ? value.map(label).join(", ") : TEXT.none;
    }
    return question.type === "integer" ? String(value) : label(value);
  }

  // The optional questions left unanswered, shown or not, that count with their default in the result.
  function leftUnanswered(form, answers) {
    return form.questions.filter(function (question) {
      return form.applies.has(question.id) && !(question.id in answers) &&
        question.default !== null && question.default !== undefined;
    });
  }

  function showResult(form, screening, skipped) {
    var decision = DECISIONS[screening.decision] || { title: words({}, screening.decision), lead: null };
    var stops = screening.cautions.filter(function (c) { return c.severity === "stop"; });
    var others = screening.cautions.filter(function (c) { return c.severity !== "stop"; });
    // A referral is said once, among the stop signs, in the service's words when it has them.
    var referral = screening.preparation.filter(function (p) { return REFERRALS.indexOf(p.code) !== -1; })[0];
    var referText = TEXT.refer[screening.refer_urgency] || TEXT.refer.routine;
    var preparation = screening.preparation.filter(function (p) { return !screening.refer || p !== referral; });
    var variant = screening.variant;
    var item = function (text) { return el("li", null, text); };
    put(form.result, [
      el("h2", { id: "hs-result-title", tabindex: "-1", text: TEXT.resultTitle + ": " + decision.title }),
      decision.lead ? el("p", { class: "hs-lead", text: decision.lead }) : null,
      stops.length || screening.refer ? el("div", { class: "hs-stop" },
        el("h3", { text: TEXT.stopTitle }),
        el("ul", null,
          screening.refer ? el("li", { class: "hs-referral" }, referral ? referral.text : referText) : null,
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
      skipped.length ? el("details", { class: "hs-part hs-assumed" },
        el("summary", { text: TEXT.assumedTitle(skipped.length) }),
        el("p", { text: TEXT.assumedNote }),
        el("ul", null, skipped.map(function (question) {
          return el("li", { "data-assumed": question.id }, question.text + " ",
            el("strong", { text: answerInWords(question, question.default) }));
        }))) : null,
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
      // Without the service's word a conditional question may not apply: the service says if it is missing.
      var required = question.required && !(form.failed && form.conditional.has(question.id));
      if (answer && answer.problem) {
        errors[question.id] = [answer.problem];
      } else if (!answer && required) {
        errors[question.id] = [TEXT.answerThis];
      }
    });
    return errors;
  }

  // The settled screening of exactly these answers, when the full screening cannot be asked
  // for because required questions it does not depend on are unanswered (a contraindication).
  function previewedScreening(form, answers) {
    var preview = form.preview;
    if (!preview || preview.key !== JSON.stringify(answers) || !preview.body.screening) {
      return null;
    }
    var shown = new Set(preview.body.shown_questions); // a required question its show_if hides is not open
    var unanswered = form.questions.some(function (question) {
      return question.required && shown.has(question.id) && !(question.id in answers);
    });
    return unanswered ? preview.body.screening : null;
  }

  // Sending before the decision is settled: the required questions not on screen yet join in.
  function askRequired(form, answers) {
    form.applies.forEach(function (id) {
      var question = form.questions.filter(function (q) { return q.id === id; })[0];
      if (question.required && !(id in answers) && !form.decided.has(id)) {
        form.asked.add(id);
        form.decided.add(id);
      }
    });
    render(form);
  }

  function send(form, answers) {
    return postJson("v1/screenings", answers).then(function (reply) {
      var response = reply.response;
      var body = reply.body;
      if (response.ok && body) {
        showResult(form, body, leftUnanswered(form, answers));
      } else if (response.status === 422 && body && body.errors) {
        showErrors(form, body.errors);
      } else {
        showTrouble(form, response);
      }
    }, function () {
      showNotice(form, TEXT.network);
    });
  }

  // Any other answer than the one asked for: busy (try again later), or failed.
  function showTrouble(form, response) {
    var busy = response.status === 429 || response.status === 503;
    showNotice(form, busy ? TEXT.busy(retryAfter(response)) : TEXT.failed);
  }

  function submit(form) {
    if (form.sending) {
      return Promise.resolve();
    }
    form.sending = true;
    form.node.setAttribute("aria-busy", "true");
    form.button.textContent = TEXT.sending;
    return upToDate(form).then(function () {
      clearErrors(form);
      // Answers to hidden questions stay in the form but are not sent.
      var answers = only(readAnswers(form.node, form.questions), form.decided);
      // A stored submission is screened by the service, so an intake form asks every required
      // question the service still shows: never the movement tests once the answers rule moving out.
      var screening = form.intake ? null : previewedScreening(form, answers);
      if (screening) {
        showResult(form, screening, leftUnanswered(form, answers));
        return null;
      }
      if (form.adaptive && (form.intake || !(form.preview && form.preview.body.settled))) {
        askRequired(form, answers);
      }
      var problems = checkLocally(form);
      if (Object.keys(problems).length) {
        showErrors(form, problems);
        return null;
      }
      return form.intake ? sendToIntake(form, answers) : send(form, answers);
    }).then(function () {
      form.sending = false;
      form.node.removeAttribute("aria-busy");
      form.button.textContent = TEXT.submit;
    });
  }

  // ---- Intake: with data-intake="itk_…" (or /form?intake=itk_…) the answers are also stored
  // for the organization that runs the intake, once the athlete has named themselves and agreed.

  var INTAKE_TEXT = {
    name: "Your name",
    email: "Your email (optional)",
    consent: function (intake) {
      return "I agree that " + intake.organization + " keeps my name, my answers and my result for " +
        intake.retention_days + (intake.retention_days === 1 ? " day" : " days") +
        " to plan my training. After that they are deleted.";
    },
    nameMissing: "Please enter your name.",
    consentMissing: "Please tick the box to agree, or your answers cannot be sent.",
    closed: "This form is closed and no longer takes answers. Please ask whoever sent you the link.",
    stored: function (organization) { return "Your answers and result were sent to " + organization + "."; },
    summary: "Please check the details below."
  };

  function intakeIdOf(host) {
    var id = host.getAttribute("data-intake");
    if (!id && host.hasAttribute("data-intake-from-url")) {
      id = new URLSearchParams(window.location.search).get("intake");
    }
    return id || null;
  }

  // What the form says about the intake; null when it is unknown or closed.
  function loadIntake(id) {
    if (!id) {
      return Promise.resolve(undefined);
    }
    return fetch(serviceUrl("v1/intakes/" + encodeURIComponent(id) + "/form"), { credentials: "omit" })
      .then(function (response) {
        if (response.status === 404) {
          return null;
        }
        if (!response.ok) {
          throw new Error("intake: HTTP " + response.status);
        }
        return response.json().then(function (intake) { return intake.open ? intake : null; });
      });
  }

  function intakeField(id, label, input) {
    return el("div", { class: "hs-question hs-intake-field", id: "hs-q-" + id, "data-intake-field": id },
      el("label", { class: "hs-label", for: input.id }, el("span", { class: "hs-text", text: label })),
      el("p", { class: "hs-error", id: "hs-error-" + id, hidden: true }),
      input);
  }

  function intakeBlock(intake) {
    var name = el("input", { id: "hs-athlete-name", type: "text", autocomplete: "name", maxlength: 200,
      required: true, "aria-describedby": "hs-error-athlete.name" });
    var email = el("input", { id: "hs-athlete-email", type: "email", autocomplete: "email", maxlength: 254,
      "aria-describedby": "hs-error-athlete.email" });
    var consent = el("input", { id: "hs-consent", type: "checkbox", required: true,
      "aria-describedby": "hs-error-consent" });
    var node = el("fieldset", { class: "hs-intake" },
      el("legend", { class: "hs-label", text: intake.title }),
      intakeField("athlete.name", INTAKE_TEXT.name, name),
      intakeField("athlete.email", INTAKE_TEXT.email, email),
      el("div", { class: "hs-question hs-intake-field", id: "hs-q-consent", "data-intake-field": "consent" },
        el("p", { class: "hs-error", id: "hs-error-consent", hidden: true }),
        el("label", { class: "hs-option hs-consent" }, consent, el("span", { text: INTAKE_TEXT.consent(intake) }))));
    return { intake: intake, node: node, name: name, email: email, consent: consent, key: null, sent: null };
  }

  function intakeBody(block, answers) {
    var athlete = { name: block.name.value.trim() };
    if (block.email.value.trim()) {
      athlete.email = block.email.value.trim();
    }
    return { answers: answers, athlete: athlete, consent: block.consent.checked };
  }

  // Shows the problems that belong to the intake's own fields; returns the others.
  function showIntakeErrors(block, errors) {
    var rest = {};
    var first = null;
    block.node.querySelectorAll("[data-intake-field]").forEach(function (field) {
      var messages = errors[field.getAttribute("data-intake-field")];
      var error = field.querySelector(".hs-error");
      error.hidden = !messages;
      error.textContent = messages ? messages.join(" ") : "";
      field.classList.toggle("hs-invalid", Boolean(messages));
      first = first || (messages ? field.querySelector("input") : null);
    });
    Object.keys(errors).forEach(function (id) {
      if (!block.node.querySelector('[data-intake-field="' + id + '"]')) {
        rest[id] = errors[id];
      }
    });
    if (first && !Object.keys(rest).length) {
      first.focus();
    }
    return rest;
  }

  function newKey() {
    return window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
  }

  // The same body sent again (a retry after a lost answer) keeps its Idempotency-Key: stored once.
  function postSubmission(block, body) {
    var text = JSON.stringify(body);
    if (block.sent !== text) {
      block.sent = text;
      block.key = newKey();
    }
    var path = "v1/intakes/" + encodeURIComponent(block.intake.id) + "/submissions";
    return postJson(path, body, { "Idempotency-Key": block.key });
  }

  function sendToIntake(form, answers) {
    var block = form.intake;
    var body = intakeBody(block, answers);
    var local = {};
    if (!body.athlete.name) {
      local["athlete.name"] = [INTAKE_TEXT.nameMissing];
    }
    if (!body.consent) {
      local.consent = [INTAKE_TEXT.consentMissing];
    }
    showIntakeErrors(block, local);
    if (Object.keys(local).length) {
      showNotice(form, INTAKE_TEXT.summary);
      return Promise.resolve();
    }
    return postSubmission(block, body).then(function (reply) {
      var response = reply.response;
      if (response.status === 201 && reply.body) {
        showResult(form, reply.body.screening, leftUnanswered(form, answers));
        showNotice(form, INTAKE_TEXT.stored(block.intake.organization));
        form.node.setAttribute("data-submission", reply.body.id);
      } else if (response.status === 422 && reply.body && reply.body.errors) {
        var rest = showIntakeErrors(block, reply.body.errors);
        if (Object.keys(rest).length) {
          showErrors(form, rest);
        }
      } else if (response.status === 404) {
        showNotice(form, INTAKE_TEXT.closed);
      } else {
        showTrouble(form, response);
      }
    }, function () {
      showNotice(form, TEXT.network);
    });
  }

  // ---- Building one form.

  // Questionnaire order (what rules moving out comes before the questions that ask the athlete to
  // move, so a question that appears once moving is allowed comes after the one just answered), a
  // conditional question right after the questions it depends on. Blocks never move afterwards:
  // they are only shown or hidden.
  function arrange(questions) {
    var order = questions.slice();
    questions.forEach(function (question) {
      var controllers = questions.filter(function (other) { return other.controls.indexOf(question.id) !== -1; });
      if (!controllers.length) {
        return;
      }
      order.splice(order.indexOf(question), 1);
      var after = Math.max.apply(null, controllers.map(function (other) { return order.indexOf(other); }));
      order.splice(after + 1, 0, question);
    });
    return order;
  }

  function buildForm(container, questionnaire, start, intake) {
    var node = el("form", { class: "hs-form", novalidate: true, "aria-label": "Hip mobility questions" });
    var form = {
      node: node,
      questions: questionnaire.questions,
      blocks: {},
      adaptive: Boolean(start),
      moving: new Set(questionnaire.questions.filter(function (question) {
        return question.asks_to_move;
      }).map(function (question) { return question.id; })),
      // Questions another one shows or hides (its `controls`): whether they apply is the service's to say.
      conditional: new Set([].concat.apply([], questionnaire.questions.map(function (question) {
        return question.controls;
      }))),
      failed: false,
      applies: new Set(),
      decided: new Set(),
      shown: new Set(),
      lingering: null,
      asked: new Set(),
      preview: null,
      turn: 0,
      timer: null,
      pending: Promise.resolve(),
      sending: false,
      intake: intake ? intakeBlock(intake) : null,
      showAll: el("input", {
        type: "checkbox", id: "hs-show-all", class: "hs-show-all", "aria-describedby": "hs-show-all-help"
      }),
      summary: el("div", { class: "hs-summary", role: "alert", tabindex: "-1", hidden: true }),
      progress: el("p", { class: "hs-progress", role: "status" }),
      notice: el("p", { class: "hs-notice", role: "alert", hidden: true }),
      button: el("button", { class: "hs-submit", type: "submit", text: TEXT.submit }),
      stale: el("p", { class: "hs-stale", hidden: true, text: TEXT.stale }),
      // Present (and empty) from the start: a live region must exist before it is filled.
      result: el("section", { class: "hs-result", role: "status", "aria-live": "polite", "data-decision": "" })
    };
    node.append(form.summary);
    form.questions.forEach(function (question) {
      form.blocks[question.id] = questionBlock(question);
    });
    arrange(form.questions).forEach(function (question) {
      node.append(form.blocks[question.id]);
    });
    if (form.intake) {
      node.append(form.intake.node); // append(null) would add the text "null"
    }
    node.append(el("div", { class: "hs-actions" }, form.progress, form.button, form.notice, form.stale));
    node.addEventListener("change", function (event) {
      keepNoneExclusive(node, event.target);
      schedule(form, CLICK_DELAY_MS);
      if (form.result.hasChildNodes()) {
        form.stale.hidden = false;
      }
    });
    node.addEventListener("input", function (event) {
      schedule(form, event.target.type === "number" ? TYPING_DELAY_MS : CLICK_DELAY_MS);
    });
    node.addEventListener("focusout", function () {
      if (form.lingering) {
        setTimeout(function () { render(form); }, 0); // once focus has landed elsewhere
      }
    });
    node.addEventListener("submit", function (event) {
      event.preventDefault();
      submit(form);
    });
    form.showAll.checked = !start;
    form.showAll.addEventListener("change", function () {
      form.adaptive = !form.showAll.checked;
      say(form, form.adaptive ? "" : TEXT.allShown, null);
      refresh(form);
    });
    put(container, [
      intake ? el("h2", { class: "hs-intake-title", text: intake.title }) : null,
      el("p", { class: "hs-intro", text: TEXT.intro }),
      el("p", { class: "hs-intro hs-required-note", text: TEXT.requiredNote }),
      el("div", { class: "hs-mode" },
        el("label", { class: "hs-mode-label" }, form.showAll, el("span", { text: TEXT.showAll })),
        el("p", { class: "hs-mode-help", id: "hs-show-all-help", text: TEXT.showAllHelp })),
      node, form.result,
      el("p", { class: "hs-disclaimer", text: TEXT.disclaimer })
    ]);
    if (!start) {
      fallBack(form, TEXT.previewFailed);
      return form.pending;
    }
    apply(form, fromPreview(form, start), true);
    return form.pending;
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

  function show(container, styled, intakeId) {
    var status = el("p", { class: "hs-loading", role: "status", text: TEXT.loading });
    container.replaceChildren(status);
    // The first preview travels with the questionnaire; without it the form shows every question.
    var first = loadStart().catch(function () { return null; });
    return Promise.all([loadQuestionnaire(), styled, first, loadIntake(intakeId)]).then(function (results) {
      if (results[3] === null) {
        return put(container, [el("p", { class: "hs-notice hs-closed", role: "alert", text: INTAKE_TEXT.closed })]);
      }
      return buildForm(container, results[0], results[2], results[3]);
    }, function () {
      var retry = el("button", { class: "hs-submit", type: "button", text: TEXT.retry });
      retry.addEventListener("click", function () { show(container, styled, intakeId); });
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
    show(container, styled, intakeIdOf(host));
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
