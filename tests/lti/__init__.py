"""An independent LTI 1.3 platform (the LMS side) for testing quizapp as an LTI tool."""
