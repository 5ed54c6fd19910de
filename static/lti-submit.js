// Post the LTI deep-linking response back to the LMS at once; the button does it without script.
document.querySelectorAll("form[data-auto-submit]").forEach((form) => form.submit());
