"""Generator of the bundled models in bpmn/: diagrams with their layout, forms and the DMN."""
