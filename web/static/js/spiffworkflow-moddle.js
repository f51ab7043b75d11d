/* The spiffworkflow:* extension elements as a moddle descriptor, so that bpmn-js reads and
   writes them (round trip) instead of dropping them. Only the elements Percorsi's engine reads. */
(function () {
  'use strict';
  function body(name, field) {
    return { name: name, superClass: ['Element'], properties: [{ name: field, isBody: true, type: 'String' }] };
  }
  window.PercorsiSpiffModdle = {
    name: 'SpiffWorkflow',
    uri: 'http://spiffworkflow.org/bpmn/schema/1.0/core',
    prefix: 'spiffworkflow',
    associations: [],
    types: [
      {
        name: 'properties',
        superClass: ['Element'],
        properties: [{ name: 'properties', type: 'property', isMany: true }]
      },
      {
        name: 'property',
        superClass: ['Element'],
        properties: [
          { name: 'name', isAttr: true, type: 'String' },
          { name: 'value', isAttr: true, type: 'String' }
        ]
      },
      body('preScript', 'script'),
      body('postScript', 'script'),
      body('calledDecisionId', 'decisionId'),
      body('instructionsForEndUser', 'text'),
      body('messagePayload', 'payload'),
      body('messageVariable', 'variable'),
      {
        name: 'serviceTaskOperator',
        superClass: ['Element'],
        properties: [
          { name: 'id', isAttr: true, type: 'String' },
          { name: 'resultVariable', isAttr: true, type: 'String' },
          { name: 'parameterList', type: 'parameters' }
        ]
      },
      {
        name: 'parameters',
        superClass: ['Element'],
        properties: [{ name: 'parameters', type: 'parameter', isMany: true }]
      },
      {
        name: 'parameter',
        superClass: ['Element'],
        properties: [
          { name: 'id', isAttr: true, type: 'String' },
          { name: 'type', isAttr: true, type: 'String' },
          { name: 'value', isAttr: true, type: 'String' }
        ]
      }
    ]
  };
}());
