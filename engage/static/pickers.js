// Searchable pickers for long selects: <select data-picker> (multiple or not) becomes a Tom Select
// (vendor/tom-select, served from here) that searches the options' text (name, organisation and
// city; reference, state and words) and shows each choice as a removable chip (data-name, else the
// text). Without JavaScript the plain select stays, with its own help text; with it, the help
// becomes data-picker-help. Chosen options stay selected in the select, so a re-shown form keeps them.
(function () {
  "use strict";
  if (!window.TomSelect || !document.querySelectorAll) return;
  var word = window.engageWord || function (key, english) { return english; };
  Array.prototype.forEach.call(document.querySelectorAll("select[data-picker]"), function (select) {
    var help = document.getElementById(select.id + "-help");
    var picker = new window.TomSelect(select, {
      // One choice (a select without multiple) is shown as the chosen text; several as chips.
      plugins: select.multiple ? {remove_button: {title: word("pickerRemove", "Remove")}} : {},
      maxOptions: 200,
      hidePlaceholder: true,
      placeholder: select.getAttribute("data-placeholder") || word("pickerSearch", "Type to search…"),
      render: {
        item: function (data, escape) { return "<div>" + escape(data.name || data.text) + "</div>"; },
        option: function (data, escape) { return "<div>" + escape(data.text) + "</div>"; },
        no_results: function (data, escape) {
          return '<div class="no-results">' + word("pickerNothing", "Nothing matches “{input}”.", {input: escape(data.input)}) + "</div>";
        }
      }
    });
    // The label now points at the picker's search box; the select, kept for the form, keeps its name too.
    var label = document.querySelector('label[for="' + picker.control_input.id + '"]');
    if (label && label.id) select.setAttribute("aria-labelledby", label.id);
    if (help && select.getAttribute("data-picker-help")) {
      help.textContent = select.getAttribute("data-picker-help");
      picker.control_input.setAttribute("aria-describedby", help.id);
    }
  });
})();
